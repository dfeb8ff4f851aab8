import { parseArgs } from "../args";
import { LEDGER_OPTIONS, ledgerLocation, openExistingLedger } from "../open";
import { type Io, printJson, progressBar } from "../output";
import type { Command } from "./command";

export const verifyCommand: Command = {
  name: "verify",
  summary:
    "verify <ledger.db | postgres://… [--tenant T] [--schema S]> [--json] [--expect-seq N --expect-hash H]: recompute the hash chain",
  async run(argv: readonly string[], io: Io): Promise<number> {
    const args = parseArgs(argv, ["expect-seq", "expect-hash", ...LEDGER_OPTIONS]);
    const json = args.flags.has("json");
    const ledger = await openExistingLedger(ledgerLocation(args));
    try {
      const total = ((await ledger.head())?.seq ?? -1) + 1;
      const bar = progressBar(io, "verifying", total, !json);
      const expectSeq = args.options.get("expect-seq");
      const expectHash = args.options.get("expect-hash");
      const report = await ledger.verify({
        onProgress: bar.update,
        progressEvery: 5000,
        ...(expectSeq !== undefined && expectHash !== undefined
          ? { expectHead: { seq: Number(expectSeq), hash: expectHash } }
          : {}),
      });
      bar.finish(report.count);
      if (json) {
        printJson(io, { ledgerId: ledger.ledgerId, ...report });
      } else if (report.ok) {
        io.out(
          `OK  ${ledger.ledgerId}: ${report.count} events verified; head #${report.headSeq ?? "-"} ${report.headHash ?? "(empty)"}\n`,
        );
      } else {
        io.out(
          `BROKEN  ${ledger.ledgerId}: first broken sequence number ${report.failure.seq} (${report.failure.kind}): ${report.failure.reason}\n` +
            `        ${report.count} events verified before it\n`,
        );
      }
      return report.ok ? 0 : 1;
    } finally {
      await ledger.close();
    }
  },
};
