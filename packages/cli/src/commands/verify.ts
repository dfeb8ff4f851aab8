import { DaichoError, type Ledger, type VerifyOptions, type VerifyReport } from "@daicho/core";
import type { Args } from "../args";
import { decimal } from "../auditor";
import { verdictExit } from "../exit";
import { LEDGER_OPTIONS, ledgerLocation, openExistingLedger } from "../open";
import { FORMATS, type Io, printJson, progressBar } from "../output";
import type { Command } from "./command";

const HEX64 = /^[0-9a-f]{64}$/;

/**
 * The head the auditor holds, from `--expect-seq N --expect-hash H`: both or neither
 * (a seq alone would check only that the ledger is long enough, which a rolled-back and
 * re-extended ledger passes), N decimal ≤ 2^53 − 1, H 64 lower-case hex digits.
 */
export function heldHead(args: Args): { seq: number; hash: string } | undefined {
  const seq = args.options.get("expect-seq");
  const hash = args.options.get("expect-hash");
  if (seq === undefined && hash === undefined) return undefined;
  if (seq === undefined || hash === undefined) {
    const missing = seq === undefined ? "--expect-seq" : "--expect-hash";
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `a held head is a pair: give ${missing} too (--expect-seq N --expect-hash H, both from an earlier \`daicho verify\`)`,
      { path: missing },
    );
  }
  if (!HEX64.test(hash)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "--expect-hash needs the 64 lower-case hex digits of the event hash an earlier `daicho verify` printed",
      { path: "--expect-hash" },
    );
  }
  return { seq: decimal(seq, "--expect-seq"), hash };
}

/**
 * The checks `daicho verify` runs, in one call. Today the hash chain and the held head
 * (core `verifyEvents` through `Ledger.verify`); further checks of the stored copies
 * (tree, subject index) plug in here.
 */
export function verifyLedger(ledger: Ledger, options: VerifyOptions): Promise<VerifyReport> {
  return ledger.verify(options);
}

export const verifyCommand: Command = {
  name: "verify",
  usage:
    "verify <ledger.db | postgres://…> [--tenant T] [--schema S] [--expect-seq N --expect-hash H] [--json]",
  summary: "recompute the hash chain of a ledger and check a head you hold",
  details: `Reads every event, recomputes its hash from its stored bytes and checks sequence
numbers, the prevHash chain and the per-subject links. With --expect-seq and
--expect-hash (the head an earlier run printed), the ledger must still have exactly that
event at that sequence number: a ledger cut short is \`truncated\`, one rolled back and
re-extended (or another history under the same ledger id) is \`head-mismatch\`.
Opens the ledger read-only; writes nothing, not even beside the file.`,
  options: {
    ...LEDGER_OPTIONS,
    "expect-seq": {
      type: "string",
      value: "N",
      help: "sequence number of the head you hold (with --expect-hash)",
    },
    "expect-hash": {
      type: "string",
      value: "H",
      help: "its event hash, 64 lower-case hex digits (with --expect-seq)",
    },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const expectHead = heldHead(args);
    const ledger = await openExistingLedger(ledgerLocation(args));
    try {
      const total = ((await ledger.head())?.seq ?? -1) + 1;
      const bar = progressBar(io, "verifying", total, !json);
      const report = await verifyLedger(ledger, {
        onProgress: bar.update,
        progressEvery: 5000,
        ...(expectHead === undefined ? {} : { expectHead }),
      });
      bar.finish(report.count);
      if (json) {
        printJson(io, FORMATS.verifyReport, { ledgerId: ledger.ledgerId, ...report });
      } else if (report.ok) {
        const held = expectHead === undefined ? "" : `; holds your head #${expectHead.seq}`;
        io.out(
          `OK  ${ledger.ledgerId}: ${report.count} events verified; head #${report.headSeq ?? "-"} ${report.headHash ?? "(empty)"}${held}\n`,
        );
      } else {
        io.out(
          `BROKEN  ${ledger.ledgerId}: first broken sequence number ${report.failure.seq} (${report.failure.kind}): ${report.failure.reason}\n` +
            `        ${report.count} events verified before it\n`,
        );
      }
      return verdictExit(report.ok);
    } finally {
      await ledger.close();
    }
  },
};
