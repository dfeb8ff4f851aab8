/**
 * `pnpm example:dsr-http` — a person's access and erasure requests over HTTP, the DPO
 * executing the erasure, the signed certificate, and what is left afterwards.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isRedacted } from "@daicho/core";
import { runDsr } from "./scenario";

const dir = mkdtempSync(join(tmpdir(), "daicho-dsr-"));
try {
  const run = await runDsr(dir, (line) => console.log(`  ${line}`));
  const before = run.accessBefore;
  console.log(`\nAccess report (${before.format}) for ${before.subject}:`);
  for (const p of before.personalData) console.log(`  ${p.field}: ${p.value}`);
  console.log(`  accesses recorded: ${before.accesses.length}, sources: ${before.sources.length}`);
  console.log(`Asking about someone else's data: HTTP ${run.otherPersonStatus}`);
  console.log(
    `Listing requests / executing the erasure themselves: HTTP ${run.personListStatus} / ${run.personExecuteStatus}`,
  );
  console.log(
    `The person's reason, sealed under their key, as the DPO reads it: ${run.statementBefore}`,
  );

  console.log(
    `\nErasure request ${run.erasureRequest.requestId}, due by ${run.erasureRequest.dueBy}`,
  );
  console.log(`Outcome: ${run.executed.outcome}`);
  console.log(`Certificate: ${JSON.stringify(run.executed.certificate, null, 2)}`);
  console.log(`Certificate signature valid: ${run.certificate !== undefined}`);

  console.log(`\nCRM read after erasure: HTTP ${run.crmAfter.status} ${run.crmAfter.body.reasons}`);
  console.log("Stored values after erasure:");
  for (const [field, value] of Object.entries(run.storedAfter)) {
    console.log(`  ${field}: ${isRedacted(value) ? `<redacted: ${value.reason}>` : value}`);
  }
  console.log(`Ledger verifies: ${run.verified}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
