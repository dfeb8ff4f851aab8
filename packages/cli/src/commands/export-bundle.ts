import { writeFileSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { exportBundle } from "@daicho/core/bundle";
import type { Args } from "../args";
import { intOption, readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { EXIT } from "../exit";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { catchUpProgress, FORMATS, type Io, printJson } from "../output";
import type { Command } from "./command";

export const exportBundleCommand: Command = {
  name: "export-bundle",
  usage:
    "export-bundle <ledger> [--tenant T] --from A [--to B] [--checkpoint FILE] [--since FILE[,FILE…]] --vkey K [--threshold k] --out bundle.json [--json]",
  summary: "write events, their checkpoint and the proofs into one audit bundle",
  details: `Reads the ledger read-only (a tree missing from the file is built in memory) and
writes only the --out file. Before writing, the bundle is verified exactly as verify-bundle
will verify it, against --vkey (the log's verifier key): an edited stored checkpoint, tree
node or event is refused (exit 1) instead of being handed to an auditor.`,
  options: {
    ...LEDGER_OPTIONS,
    from: { type: "string", value: "A", help: "first sequence number (inclusive)" },
    to: {
      type: "string",
      value: "B",
      help: "last sequence number (exclusive; default the checkpoint's size)",
    },
    checkpoint: {
      type: "string",
      value: "FILE",
      help: "the checkpoint to prove against (default the latest stored)",
    },
    since: {
      type: "string",
      value: "FILE[,FILE…]",
      help: "older checkpoints to add consistency proofs from",
    },
    out: { type: "string", value: "FILE", help: "the bundle file to write" },
    ...TRUST_OPTIONS,
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const out = args.options.get("out");
    const from = intOption(args, "from");
    if (out === undefined || from === undefined) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "usage: daicho export-bundle <ledger.db> --from A [--to B] --vkey K --out FILE",
      );
    }
    const policy = trustPolicy(args);
    const progress = catchUpProgress(io, !json);
    const { ledger, tree, close } = await openLedgerTree(ledgerLocation(args), progress);
    progress.finish();
    try {
      const to = intOption(args, "to");
      const cpFile = args.options.get("checkpoint");
      const since = args.options.get("since");
      const bundle = await exportBundle(tree, ledger.ledgerId, {
        from,
        ...(to === undefined ? {} : { to }),
        ...(cpFile === undefined ? {} : { checkpoint: readText(cpFile, "checkpoint") }),
        older: since === undefined ? [] : since.split(",").map((f) => readText(f, "--since")),
        policy,
      });
      writeFileSync(out, `${JSON.stringify(bundle)}\n`);
      const summary = {
        ok: true,
        file: out,
        ledgerId: ledger.ledgerId,
        from: bundle.range.from,
        to: bundle.range.to,
        olderCheckpoints: bundle.consistency.length,
      };
      if (json) printJson(io, FORMATS.exportBundle, summary);
      else
        io.out(
          `wrote ${out}: events [${summary.from}, ${summary.to}) of ${ledger.ledgerId} with checkpoint and proofs\n`,
        );
      return EXIT.ok;
    } finally {
      await close();
    }
  },
};
