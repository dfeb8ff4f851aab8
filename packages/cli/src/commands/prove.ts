import { DaichoError } from "@daicho/core";
import { INCLUSION_PROOF_FORMAT, type InclusionProofFile } from "@daicho/core/bundle";
import { toBase64, verifyCheckpoint } from "@daicho/core/checkpoint";
import { bytesEqual, eventLeafHash, verifyInclusion } from "@daicho/core/merkle";
import type { Args } from "../args";
import { decimal, intOption, orThrow, readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { verdictExit } from "../exit";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { catchUpProgress, type Io, printJson } from "../output";
import type { Command } from "./command";

export const proveCommand: Command = {
  name: "prove",
  usage:
    "prove <ledger> <seq> [--tenant T] [--checkpoint FILE --vkey K [--threshold k] | --size N] [--json]",
  summary: "print the RFC 9162 inclusion proof of one event (a proof file with --json)",
  details: `With --checkpoint, the tree size is the checkpoint's, and the command fails if the
ledger's tree does not have the checkpoint's root at that size. The --json output is a
proof file (spec §7.6, format daicho-inclusion-proof/v1) that \`daicho verify-proof\`
checks with no ledger. Opens the ledger read-only: a tree missing from the file is built
in memory for this run.`,
  options: {
    ...LEDGER_OPTIONS,
    ...TRUST_OPTIONS,
    checkpoint: {
      type: "string",
      value: "FILE",
      help: "the signed checkpoint to prove against (its size and root)",
    },
    size: {
      type: "string",
      value: "N",
      help: "tree size to prove against (unsigned; default all)",
    },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const seqText = args.positional[1];
    if (seqText === undefined) {
      throw new DaichoError("INVALID_ARGUMENT", "usage: daicho prove <ledger.db> <seq>", {
        path: "seq",
      });
    }
    const seq = decimal(seqText, "seq");
    const progress = catchUpProgress(io, !json);
    const { ledger, tree, close } = await openLedgerTree(ledgerLocation(args), progress);
    progress.finish();
    try {
      const cpFile = args.options.get("checkpoint");
      const cp =
        cpFile === undefined
          ? undefined
          : orThrow(
              verifyCheckpoint(readText(cpFile, "checkpoint"), {
                ...trustPolicy(args),
                origin: ledger.ledgerId,
              }),
            );
      const size = cp?.checkpoint.size ?? intOption(args, "size") ?? tree.size;
      if (size > tree.size) {
        throw new DaichoError(
          "PROOF_INVALID",
          `the ledger's tree has ${tree.size} events; the checkpoint commits to ${size}: the log was truncated or rolled back`,
        );
      }
      if (seq >= size)
        throw new DaichoError(
          "INVALID_ARGUMENT",
          `event ${seq} is not in the tree of size ${size}`,
          { path: "seq" },
        );
      const event = await ledger.store.get(seq);
      if (event === undefined)
        throw new DaichoError("STORE_CORRUPT", `event ${seq} is not stored`, { path: "seq" });
      const root = await tree.root(size);
      const proof = await tree.inclusionProof(seq, size);
      const leaf = eventLeafHash(event.hash);
      const matchesCheckpoint = cp === undefined || bytesEqual(root, cp.checkpoint.root);
      const verifies =
        verifyInclusion(seq, size, leaf, proof, cp?.checkpoint.root ?? root)._tag === "Right";
      const ok = matchesCheckpoint && verifies;
      const file: InclusionProofFile = {
        format: INCLUSION_PROOF_FORMAT,
        ok,
        ledgerId: ledger.ledgerId,
        seq,
        treeSize: size,
        eventHash: event.hash,
        leafHash: toBase64(leaf),
        root: toBase64(root),
        proof: proof.map(toBase64),
      };
      if (json) {
        const { format, ...rest } = file;
        printJson(io, format, rest);
      } else if (ok) {
        io.out(`OK  event ${seq} is leaf ${seq} of the tree of size ${size}, root ${file.root}\n`);
        for (const [i, p] of file.proof.entries()) io.out(`  proof[${i}] ${p}\n`);
      } else
        io.out(
          `FAILED  the ledger's tree does not have the checkpoint's root at size ${size}: history was rewritten\n`,
        );
      return verdictExit(ok);
    } finally {
      await close();
    }
  },
};
