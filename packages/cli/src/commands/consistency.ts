import { DaichoError, eventHash } from "@daicho/core";
import { CONSISTENCY_PROOF_FORMAT, formatProofFile, verifyProofFile } from "@daicho/core/bundle";
import { type Checkpoint, toBase64, verifyCheckpoint } from "@daicho/core/checkpoint";
import { bytesEqual, CompactRange, eventLeafHash, verifyConsistency } from "@daicho/core/merkle";
import type { Args } from "../args";
import { orThrow, readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { isEvidenceFailure, verdictExit } from "../exit";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { catchUpProgress, type Io, progressBar } from "../output";
import type { Command } from "./command";

/** What the auditor learns. Anything but "consistent" exits 1. */
type Verdict = "consistent" | "truncated" | "forked" | "tree-mismatch" | "proof-invalid";

interface Outcome {
  readonly verdict: Verdict;
  readonly reason: string;
  readonly oldSize: number;
  readonly newSize?: number;
  readonly newRoot?: string;
  readonly proof?: readonly string[];
}

/**
 * Print the outcome. With --json it is a consistency proof file (spec §7.6): complete
 * (and checkable by `daicho verify-proof`) when a proof was computed.
 */
function report(io: Io, json: boolean, old: Checkpoint, o: Outcome): number {
  const ok = o.verdict === "consistent";
  if (json) {
    const file = {
      format: CONSISTENCY_PROOF_FORMAT,
      ok,
      verdict: o.verdict,
      reason: o.reason,
      ledgerId: old.origin,
      oldSize: o.oldSize,
      oldRoot: toBase64(old.root),
      ...(o.newSize === undefined ? {} : { newSize: o.newSize }),
      ...(o.newRoot === undefined ? {} : { newRoot: o.newRoot }),
      ...(o.proof === undefined ? {} : { proof: [...o.proof] }),
    };
    io.out(formatProofFile(file as Parameters<typeof formatProofFile>[0]));
  } else io.out(`${ok ? "OK" : o.verdict.toUpperCase()}  ${o.reason}\n`);
  return verdictExit(ok);
}

/**
 * Stream every event up to `size`, recompute its hash from its bytes and the tree root
 * from those hashes, independently of the stored tree: a rewrite of stored events that
 * left the stored tree alone shows up here.
 */
async function recomputeRoots(
  events: AsyncIterable<{ seq: number; hash: string; body: string }>,
  sizes: readonly number[],
  onProgress: (done: number) => void,
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
    if (range.size % 1000 === 0) onProgress(range.size);
  }
  onProgress(range.size);
  return { roots };
}

async function againstLedger(
  args: Args,
  io: Io,
  old: Checkpoint,
  target: Checkpoint | undefined,
): Promise<Outcome> {
  const progress = catchUpProgress(io, !args.flags.has("json"));
  const { ledger, tree, close } = await openLedgerTree(
    ledgerLocation(args, args.options.get("ledger")),
    progress,
  );
  progress.finish();
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
    const withProof = {
      ...base,
      newSize: size2,
      newRoot: toBase64(root2),
      proof: proof.map(toBase64),
    };
    if (checked._tag === "Left") {
      return {
        ...withProof,
        verdict: "forked",
        reason: `the ledger does not extend your checkpoint of size ${old.size}: ${checked.left.reason}`,
      };
    }
    if (!args.flags.has("fast")) {
      const bar = progressBar(io, "recomputing", size2, !args.flags.has("json"));
      const recomputed = await recomputeRoots(
        ledger.store.read({ to: size2 }),
        [old.size, size2],
        bar.update,
      );
      bar.finish("broken" in recomputed ? (recomputed.broken as number) : size2);
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
  usage:
    "consistency <old-checkpoint> [<new-checkpoint>] --vkey K [--threshold k] (--ledger <ledger> [--tenant T] [--fast] | --proof FILE) [--json]",
  summary: "prove a log extends a checkpoint you hold; reports rollback, truncation and forks",
  details: `With --ledger, compares the ledger (opened read-only) with your checkpoint; --json
output is a consistency proof file (spec §7.6). Offline, give both checkpoints and
--proof FILE (that file): no database at all.`,
  options: {
    ...LEDGER_OPTIONS,
    ...TRUST_OPTIONS,
    ledger: {
      type: "string",
      value: "LEDGER",
      help: "the ledger to compare with (SQLite file or PostgreSQL URL)",
    },
    fast: {
      type: "boolean",
      help: "trust the stored tree instead of recomputing it from the events",
    },
    proof: { type: "string", value: "FILE", help: "offline: a consistency proof file to check" },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const policy = trustPolicy(args);
    const [oldFile, newFile] = args.positional;
    const oldText = readText(oldFile, "old checkpoint");
    const old = orThrow(verifyCheckpoint(oldText, policy)).checkpoint;
    const newText = newFile === undefined ? undefined : readText(newFile, "new checkpoint");
    const target =
      newText === undefined
        ? undefined
        : orThrow(verifyCheckpoint(newText, { ...policy, origin: old.origin })).checkpoint;
    if (args.options.has("ledger"))
      return report(io, json, old, await againstLedger(args, io, old, target));
    if (target === undefined || newText === undefined || !args.options.has("proof")) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "offline, give both checkpoints and --proof FILE (from `daicho consistency --ledger … --json`)",
      );
    }
    const base = { oldSize: old.size, newSize: target.size, newRoot: toBase64(target.root) };
    if (target.size < old.size)
      return report(io, json, old, {
        ...base,
        verdict: "truncated",
        reason: "the newer checkpoint is smaller than yours: rollback",
      });
    const checked = verifyProofFile(readText(args.options.get("proof"), "proof"), {
      policy,
      checkpoints: old.size === target.size ? [oldText] : [oldText, newText],
    });
    if (checked._tag === "Left" && !isEvidenceFailure(checked.left)) throw checked.left;
    const between =
      checked._tag === "Right" &&
      checked.right.kind === "consistency" &&
      checked.right.oldSize === old.size &&
      checked.right.newSize === target.size;
    return report(
      io,
      json,
      old,
      between
        ? { ...base, verdict: "consistent", reason: `size ${target.size} extends size ${old.size}` }
        : {
            ...base,
            verdict: "proof-invalid",
            reason:
              checked._tag === "Left"
                ? checked.left.reason
                : "the proof file is not a consistency proof between these two checkpoints",
          },
    );
  },
};
