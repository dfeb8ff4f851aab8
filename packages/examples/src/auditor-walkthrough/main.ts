/**
 * `pnpm example:auditor-walkthrough` — export a bundle, verify it offline with the CLI,
 * catch a tampered copy, and check the ledger against last month's checkpoint.
 * The files stay in the printed folder so you can re-run the commands yourself
 * (`pnpm exec daicho …` after `pnpm run build`).
 */
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { audit, operate } from "./walkthrough";

const dir = mkdtempSync(join(tmpdir(), "daicho-audit-"));
const files = await operate(dir);
console.log(`Operator handed over (in ${dir}):`);
for (const f of Object.values(files)) console.log(`  ${f.replace(`${dir}/`, "")}`);

for (const step of await audit(files, dir)) {
  console.log(`\n$ ${step.command}\n${step.out.trim()}\n(exit ${step.code})`);
}
