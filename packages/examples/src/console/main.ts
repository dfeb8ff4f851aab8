/**
 * `pnpm example:console` — the data-protection officer's console over a generated
 * six-week CRM history. Open the printed URL in a browser. `--port N` picks the port
 * (default 8787; 0 lets the OS choose).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { listen } from "../crm-service/server";
import { seedConsole } from "./seed";
import { consoleApp } from "./server";

const portArg = process.argv.indexOf("--port");
const port = portArg > 0 ? Number(process.argv[portArg + 1]) : 8787;

const dir = mkdtempSync(join(tmpdir(), "daicho-console-"));
console.log(`Generating six weeks of CRM activity into ${dir} …`);
const seeded = await seedConsole(dir);
const app = await consoleApp({
  ledger: seeded.ledger,
  views: seeded.projector.views,
  tree: seeded.tree,
  erasure: seeded.erasure,
  verifierKey: seeded.verifierKey,
});
const server = await listen(app, port);
console.log(`Compliance console: ${server.url}/  (Ctrl-C to stop)`);

process.on("SIGINT", async () => {
  await server.close();
  await seeded.close();
  process.exit(0);
});
