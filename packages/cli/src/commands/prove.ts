import { DaichoError } from "@daicho/core";
import { toBase64, verifyCheckpoint } from "@daicho/core/checkpoint";
import { bytesEqual, eventLeafHash, verifyInclusion } from "@daicho/core/merkle";
import { parseArgs } from "../args";
import { intOption, orThrow, readText, trustPolicy } from "../auditor";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { type Io, printJson } from "../output";
import type { Command } from "./command";

export const proveCommand: Command = {
  name: "prove",
  summary:
    "prove <ledger> <seq> [--tenant T] [--size N | --checkpoint FILE --vkey K] [--json]: RFC 9162 inclusion proof of one event",
  async run(argv: readonly string[], io: Io): Promise<number> {
    const args = parseArgs(argv, ["size", "checkpoint", "vkey", "threshold", ...LEDGER_OPTIONS]);
    const seqText = args.positional[1];
    if (seqText === undefined || !/^(0|[1-9][0-9]{0,15})$/.test(seqText)) {
      throw new DaichoError("INVALID_ARGUMENT", "usage: daicho prove <ledger.db> <seq>", {
        path: "seq",
      });
    }
    const seq = Number(seqText);
    const { ledger, tree, close } = await openLedgerTree(ledgerLocation(args));
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
        const e = {
          code: "PROOF_INVALID",
          reason: `the ledger's tree has ${tree.size} events; the checkpoint commits to ${size}: the log was truncated or rolled back`,
        };
        if (args.flags.has("json")) printJson(io, { ok: false, error: e });
        else io.out(`FAILED  ${e.reason}\n`);
        return 1;
      }
      if (seq >= size)
        throw new DaichoError(
          "INVALID_ARGUMENT",
          `event ${seq} is not in the tree of size ${size}`,
          { path: "seq" },
        );
      const event = await ledger.store.get(seq);
      if (event === undefined)
        throw new DaichoError("NOT_FOUND", `event ${seq} is not stored`, { path: "seq" });
      const root = await tree.root(size);
      const proof = await tree.inclusionProof(seq, size);
      const leaf = eventLeafHash(event.hash);
      const matchesCheckpoint = cp === undefined || bytesEqual(root, cp.checkpoint.root);
      const verifies =
        verifyInclusion(seq, size, leaf, proof, cp?.checkpoint.root ?? root)._tag === "Right";
      const result = {
        format: "daicho-inclusion-proof/v1",
        ledgerId: ledger.ledgerId,
        seq,
        treeSize: size,
        eventHash: event.hash,
        leafHash: toBase64(leaf),
        root: toBase64(root),
        proof: proof.map(toBase64),
      };
      const ok = matchesCheckpoint && verifies;
      if (args.flags.has("json")) printJson(io, { ok, ...result });
      else if (ok) {
        io.out(
          `OK  event ${seq} is leaf ${seq} of the tree of size ${size}, root ${result.root}\n`,
        );
        for (const [i, p] of result.proof.entries()) io.out(`  proof[${i}] ${p}\n`);
      } else
        io.out(
          `FAILED  the ledger's tree does not have the checkpoint's root at size ${size}: history was rewritten\n`,
        );
      return ok ? 0 : 1;
    } finally {
      await close();
    }
  },
};
