import {
  awaitHead,
  DaichoError,
  type Ledger,
  type VerifyOptions,
  type VerifyReport,
} from "@daicho/core";
import { mapCheck, type TrustPolicy, treeCheck } from "@daicho/core/checkpoint";
import type { TreeStore } from "@daicho/core/merkle";
import type { Args } from "../args";
import { decimal, intOption, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { verdictExit } from "../exit";
import { LEDGER_OPTIONS, ledgerLocation, openStoredTree } from "../open";
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
 * The checks `daicho verify` runs, in one call: the hash chain and the held head, every
 * stored copy the store answers from (columns, head, subject index), the stored Merkle
 * tree node by node and every stored checkpoint (with its signatures when `policy` is
 * given), each checkpoint's subject-map root and every stored map version (the tree
 * store's durable map) — docs/spec.md §11, §12.3, §12.9.
 */
export async function verifyLedger(
  ledger: Ledger,
  treeStore: TreeStore,
  options: VerifyOptions & { readonly policy?: TrustPolicy },
): Promise<VerifyReport> {
  const { policy, ...rest } = options;
  const tree = await treeCheck(treeStore, {
    origin: ledger.ledgerId,
    ...(policy === undefined ? {} : { policy }),
  });
  // The subject map every checkpoint signs (spec §12.3) is recomputed from the events too.
  const map = await mapCheck(treeStore);
  return ledger.verify({ ...rest, also: [tree, map] });
}

export const verifyCommand: Command = {
  name: "verify",
  usage:
    "verify <ledger.db | postgres://…> [--tenant T] [--schema S] [--expect-seq N --expect-hash H [--wait S]] [--vkey K [--threshold k]] [--json]",
  summary: "recompute the hash chain and check every stored copy, the tree and the checkpoints",
  details: `Reads every event, recomputes its hash from its stored bytes and checks sequence
numbers, the prevHash chain and the per-subject links. With --expect-seq and
--expect-hash (the head an earlier run printed), the ledger must still have exactly that
event at that sequence number: a ledger cut short is \`truncated\`, one rolled back and
re-extended (or another history under the same ledger id) is \`head-mismatch\`.
It then checks every copy the store keeps beside the hashed bytes (docs/spec.md §11):
the columns (\`column-mismatch\`), the stored head, the subject index and the index by
event type (\`index-mismatch\`), every stored Merkle tree node (\`tree-mismatch\`), every stored
checkpoint (\`checkpoint-mismatch\`) and every stored subject-map version
(\`map-mismatch\`); with --vkey, the checkpoints' signatures too.
On a read replica, --wait S (with the held head) first waits up to S seconds for the
replica to hold event N; one still behind exits 3 (not checked yet), not \`truncated\`.
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
    wait: {
      type: "string",
      value: "S",
      help: "on a read replica: wait up to S seconds for it to reach --expect-seq (else exit 3)",
    },
    ...TRUST_OPTIONS,
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const expectHead = heldHead(args);
    const waitS = intOption(args, "wait");
    if (waitS !== undefined && waitS > 86_400) {
      throw new DaichoError("INVALID_ARGUMENT", "--wait is at most 86400 seconds (a day)", {
        path: "--wait",
      });
    }
    if (waitS !== undefined && expectHead === undefined) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "--wait waits for a held head: give --expect-seq N --expect-hash H (the primary's head or a signed checkpoint's) with it",
        { path: "--wait" },
      );
    }
    const policy = args.options.has("vkey") ? trustPolicy(args) : undefined;
    const { ledger, treeStore, close } = await openStoredTree(ledgerLocation(args));
    try {
      if (expectHead !== undefined && waitS !== undefined) {
        await awaitHead(ledger, expectHead, { waitMs: waitS * 1000, pollMs: 250 });
      }
      const total = ((await ledger.head())?.seq ?? -1) + 1;
      const bar = progressBar(io, "verifying", total, !json);
      const report = await verifyLedger(ledger, treeStore, {
        ...(policy === undefined ? {} : { policy }),
        onProgress: bar.update,
        progressEvery: 5000,
        ...(expectHead === undefined ? {} : { expectHead }),
      });
      bar.finish(report.count);
      if (json) {
        printJson(io, FORMATS.verifyReport, { ledgerId: ledger.ledgerId, ...report });
      } else if (report.ok) {
        const held = expectHead === undefined ? "" : `; holds your head #${expectHead.seq}`;
        const checked = report.checked ?? [];
        const signatures = checked.includes("checkpoint-signatures")
          ? ""
          : " (checkpoint signatures not checked: give --vkey)";
        // Checks over no checkpoint pass vacuously: say so, and where they may be.
        const none =
          report.count > 0 && (await treeStore.latestCheckpoint()) === undefined
            ? "    no signed checkpoint is stored here: the operator may keep the tree and checkpoints in a file of their own (give it as --tree FILE)\n"
            : "";
        io.out(
          `OK  ${ledger.ledgerId}: ${report.count} events verified; head #${report.headSeq ?? "-"} ${report.headHash ?? "(empty)"}${held}\n` +
            `    also checked: ${checked.join(", ")}${signatures}\n${none}`,
        );
      } else {
        io.out(
          `BROKEN  ${ledger.ledgerId}: first broken sequence number ${report.failure.seq} (${report.failure.kind}): ${report.failure.reason}\n` +
            `        ${report.count} events verified before it\n`,
        );
      }
      return verdictExit(report.ok);
    } finally {
      await close();
    }
  },
};
