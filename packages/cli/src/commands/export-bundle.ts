import { writeFileSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { exportBundle } from "@daicho/core/bundle";
import { parseArgs } from "../args";
import { intOption, readText, trustPolicy } from "../auditor";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { type Io, printJson } from "../output";
import type { Command } from "./command";

export const exportBundleCommand: Command = {
  name: "export-bundle",
  summary:
    "export-bundle <ledger> [--tenant T] --from A [--to B] [--checkpoint FILE] [--since FILE[,FILE…]] --vkey K [--threshold k] --out bundle.json [--json]: events, checkpoint and proofs in one file, verified before it is written",
  async run(argv: readonly string[], io: Io): Promise<number> {
    const args = parseArgs(argv, [
      "from",
      "to",
      "checkpoint",
      "since",
      "out",
      "vkey",
      "threshold",
      ...LEDGER_OPTIONS,
    ]);
    const out = args.options.get("out");
    const from = intOption(args, "from");
    if (out === undefined || from === undefined) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "usage: daicho export-bundle <ledger.db> --from A [--to B] --vkey K --out FILE",
      );
    }
    // The checkpoint (stored or given) is checked against the log's key before export.
    const policy = trustPolicy(args);
    const { ledger, tree, close } = await openLedgerTree(ledgerLocation(args));
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
      if (args.flags.has("json")) printJson(io, summary);
      else
        io.out(
          `wrote ${out}: events [${summary.from}, ${summary.to}) of ${ledger.ledgerId} with checkpoint and proofs\n`,
        );
      return 0;
    } finally {
      await close();
    }
  },
};
