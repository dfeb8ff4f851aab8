/**
 * `pnpm example:console` — the compliance console (`@daicho/console`) mounted in an example
 * CRM over a generated six-week history. Open the printed URL and pick a demo user (DPO,
 * auditor, support). `--port N` picks the port (default 8787; 0 lets the OS choose).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listen } from "../crm-service/server";
import { hostApp } from "./host";
import { seedConsole } from "./seed";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8787;

const dir = mkdtempSync(join(tmpdir(), "daicho-console-"));
console.log(`Generating six weeks of CRM activity into ${dir} …`);
const seeded = await seedConsole(dir);
const server = await listen(hostApp(seeded), port);
console.log(`Example CRM with the compliance console: ${server.url}/  (Ctrl-C to stop)`);

process.on("SIGINT", async () => {
  await server.close();
  await seeded.close();
  process.exit(0);
});
