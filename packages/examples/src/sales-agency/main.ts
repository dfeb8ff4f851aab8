/**
 * `pnpm example:sales-agency` — an outsourced sales agency with scoped, time-limited
 * grants; an agent offboarded mid-run; the client's own copy of the agency's access log.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { runAgency } from "./scenario";

const dir = mkdtempSync(join(tmpdir(), "daicho-agency-"));
try {
  const run = await runAgency(dir);

  console.log("What the agency's staff attempted:\n");
  for (const { at, agent, contact, decision } of run.attempts) {
    const verdict = decision.allowed ? "allowed" : `DENIED (${decision.reasons.join(", ")})`;
    console.log(`  ${at}  ${agent.padEnd(13)} read ${contact.padEnd(19)} ${verdict}`);
  }

  console.log("\nEntrustment records (APPI Art. 25: what the agency was given):\n");
  for (const e of run.entrustments) {
    console.log(
      `  ${e.date}  to ${e.contractor} under ${e.contractRef}: ${e.recordCount} contacts, ${e.dataItems.join(", ")}`,
    );
  }

  console.log("\nAccess log sent to Acme (Acme's contacts only):\n");
  console.log("| when | agent | contact | fields | outcome | reasons | origin |");
  console.log("|---|---|---|---|---|---|---|");
  for (const a of run.acmeLog) {
    console.log(
      `| ${a.at} | ${a.agent} | ${a.subjects.join(" ")} | ${a.fields?.join(", ") ?? ""} | ${a.outcome ?? ""} | ${a.reasons?.join(", ") ?? ""} | ${a.ip ?? ""} ${a.device ?? ""} |`,
    );
  }
  console.log(`\nLedger verifies: ${run.verified}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
