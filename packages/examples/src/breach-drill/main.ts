/**
 * `pnpm example:breach-drill` — a stolen phone: flag its session, then print the impact
 * assessment (whom to notify, by when) as Markdown for the incident file.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runDrill } from "./scenario";

const dir = mkdtempSync(join(tmpdir(), "daicho-breach-"));
try {
  const drill = await runDrill(dir);
  console.log(`Attempt from the flagged phone after the report: ${drill.afterFlag.reasons}\n`);
  console.log(drill.markdown);
  console.log(`\nLedger verifies: ${drill.verified}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
