/**
 * `pnpm demo`: record a small CRM scenario into an embedded SQLite ledger in the current
 * directory, then verify it and print the file and the verdict.
 */
import { resolve } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { recordCrmDay } from "./scenario";

const dir = process.env.INIT_CWD ?? process.cwd();
const path = resolve(dir, process.argv[2] ?? "daicho-demo.db");

const ledger = await openLedger({ store: sqliteStore(path), ledgerId: "demo.daicho.example/crm" });
try {
  const recorded = await recordCrmDay(ledger);
  console.log(`Recorded ${recorded} events into ${path}`);
  for await (const e of ledger.read({
    from: Math.max(0, ((await ledger.head())?.seq ?? 0) - recorded + 1),
  })) {
    const subjects = e.subjects?.map((s) => s.id).join(",") ?? "";
    console.log(
      `  #${String(e.seq).padStart(3)} ${e.occurredAt} ${e.type.padEnd(24)} ${e.actor.id.padEnd(15)} ${subjects}`,
    );
  }
  const report = await ledger.verify();
  if (report.ok) {
    console.log(
      `\nVerified ${path}: OK, ${report.count} events, head #${report.headSeq} ${report.headHash}`,
    );
    console.log(`Check it yourself: pnpm exec daicho verify ${path}`);
  } else {
    console.log(
      `\nVerified ${path}: BROKEN at #${report.failure.seq} (${report.failure.kind}): ${report.failure.reason}`,
    );
    process.exitCode = 1;
  }
} finally {
  await ledger.close();
}
