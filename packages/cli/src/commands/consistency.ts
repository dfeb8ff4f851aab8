import { DaichoError, eventHash } from "@daicho/core";
import { type Checkpoint, fromBase64, toBase64, verifyCheckpoint } from "@daicho/core/checkpoint";
import { bytesEqual, CompactRange, eventLeafHash, verifyConsistency } from "@daicho/core/merkle";
import { type Args, parseArgs } from "../args";
import { orThrow, readText, trustPolicy } from "../auditor";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { type Io, printJson } from "../output";
import type { Command } from "./command";

/** What the auditor learns. Anything but "consistent" exits 1. */
type Verdict = "consistent" | "truncated" | "forked" | "tree-mismatch" | "proof-invalid";

interface Outcome {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly oldSize: number;
  readonly newSize?: number;
  readonly proof?: readonly string[];
}

function report(io: Io, json: boolean, o: Outcome): number {
  const ok = o.verdict === "consistent";
  if (json) printJson(io, { ok, ...o });
  else io.out(`${ok ? "OK" : o.verdict.toUpperCase()}  ${o.reason}\n`);
  return ok ? 0 : 1;
}

/**
 * Stream every event up to `size`, recompute its hash from its bytes and the tree root
 * from those hashes, independently of the stored tree: a rewrite of stored events that
 * left the stored tree alone shows up here.
 */
async function recomputeRoots(
  events: AsyncIterable<{ seq: number; hash: string; body: string }>,
  sizes: readonly number[],
) {
  const range = new CompactRange();
  const roots = new Map<number, Uint8Array>();
  const wanted = new Set(sizes);
  const max = Math.max(...sizes);
  for await (const e of events) {
    if (range.size >= max) break;
    if (e.seq !== range.size || eventHash(e.body) !== e.hash) return { broken: range.size };
    range.appendLeaf(eventLeafHash(e.hash));
    if (wanted.has(range.size)) roots.set(range.size, range.root());
  }
  return { roots };
}

async function againstLedger(
  args: Args,
  old: Checkpoint,
  target: Checkpoint | undefined,
): Promise<Outcome> {
  const { ledger, tree, close } = await openLedgerTree(
    ledgerLocation(args, args.options.get("ledger")),
  );
  try {
    if (old.origin !== ledger.ledgerId)
      throw new DaichoError("CHECKPOINT_INVALID", "the checkpoint is from another ledger");
    const count = ((await ledger.head())?.seq ?? -1) + 1;
    const base = { oldSize: old.size };
    if (count < old.size || tree.size < old.size) {
      return {
        ...base,
        verdict: "truncated",
        reason: `the ledger has ${count} events but your checkpoint commits to ${old.size}: rolled back or truncated`,
      };
    }
    const size2 = target?.size ?? tree.size;
    if (size2 < old.size) {
      return {
        ...base,
        verdict: "truncated",
        reason: `the newer checkpoint (size ${size2}) is smaller than yours (size ${old.size})`,
      };
    }
    if (size2 > tree.size)
      throw new DaichoError("INVALID_ARGUMENT", `the ledger's tree has only ${tree.size} events`);
    if (count < size2) {
      return {
        ...base,
        newSize: size2,
        verdict: "truncated",
        reason: `the tree covers ${size2} events but the ledger now holds ${count}: events were removed from the end`,
      };
    }
    const root2 = await tree.root(size2);
    if (target !== undefined && !bytesEqual(root2, target.root)) {
      return {
        ...base,
        newSize: size2,
        verdict: "forked",
        reason: `the ledger's tree does not have the newer checkpoint's root at size ${size2}`,
      };
    }
    const proof = old.size === size2 ? [] : await tree.consistencyProof(old.size, size2);
    const checked = verifyConsistency(old.size, size2, proof, old.root, root2);
    const withProof = { ...base, newSize: size2, proof: proof.map(toBase64) };
    if (checked._tag === "Left") {
      return {
        ...withProof,
        verdict: "forked",
        reason: `the ledger does not extend your checkpoint of size ${old.size}: ${checked.left.reason}`,
      };
    }
    if (!args.flags.has("fast")) {
      const recomputed = await recomputeRoots(ledger.store.read({ to: size2 }), [old.size, size2]);
      if ("broken" in recomputed) {
        return {
          ...withProof,
          verdict: "tree-mismatch",
          reason: `stored event ${recomputed.broken} does not match its hash or position`,
        };
      }
      const [r1, r2] = [recomputed.roots?.get(old.size), recomputed.roots?.get(size2)];
      if (
        r1 === undefined ||
        r2 === undefined ||
        !bytesEqual(r1, old.root) ||
        !bytesEqual(r2, root2)
      ) {
        return {
          ...withProof,
          verdict: "tree-mismatch",
          reason: "the stored events no longer produce the stored tree: events were rewritten",
        };
      }
    }
    return {
      ...withProof,
      verdict: "consistent",
      reason: `the ledger (size ${size2}) extends your checkpoint of size ${old.size}`,
    };
  } finally {
    await close();
  }
}

export const consistencyCommand: Command = {
  name: "consistency",
  summary:
    "consistency <old-checkpoint> [<new-checkpoint>] --vkey K [--ledger <ledger> [--tenant T] [--fast] | --proof FILE] [--threshold k] [--json]: prove a log extends a checkpoint you hold; reports rollback, truncation and forks",
  async run(argv: readonly string[], io: Io): Promise<number> {
    const args = parseArgs(argv, ["vkey", "threshold", "ledger", "proof", ...LEDGER_OPTIONS]);
    const json = args.flags.has("json");
    const policy = trustPolicy(args);
    const [oldFile, newFile] = args.positional;
    const old = orThrow(verifyCheckpoint(readText(oldFile, "old checkpoint"), policy)).checkpoint;
    const target =
      newFile === undefined
        ? undefined
        : orThrow(
            verifyCheckpoint(readText(newFile, "new checkpoint"), {
              ...policy,
              origin: old.origin,
            }),
          ).checkpoint;
    if (args.options.has("ledger")) return report(io, json, await againstLedger(args, old, target));
    if (target === undefined || !args.options.has("proof")) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "offline, give both checkpoints and --proof FILE (from `daicho consistency --ledger … --json`)",
      );
    }
    const proofJson = JSON.parse(readText(args.options.get("proof"), "proof")) as {
      proof?: unknown;
    };
    const hashes = Array.isArray(proofJson.proof)
      ? proofJson.proof.map((p) => (typeof p === "string" ? fromBase64(p) : undefined))
      : undefined;
    if (hashes === undefined || hashes.some((h) => h === undefined)) {
      throw new DaichoError("PROOF_INVALID", "the proof file has no list of base64 hashes", {
        path: "--proof",
      });
    }
    const base = { oldSize: old.size, newSize: target.size };
    if (target.size < old.size)
      return report(io, json, {
        ...base,
        verdict: "truncated",
        reason: "the newer checkpoint is smaller than yours: rollback",
      });
    const checked = verifyConsistency(
      old.size,
      target.size,
      hashes as Uint8Array[],
      old.root,
      target.root,
    );
    return report(
      io,
      json,
      checked._tag === "Right"
        ? { ...base, verdict: "consistent", reason: `size ${target.size} extends size ${old.size}` }
        : { ...base, verdict: "proof-invalid", reason: checked.left.reason },
    );
  },
};
