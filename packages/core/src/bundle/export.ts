import * as E from "fp-ts/lib/Either.js";
import { toBase64 } from "../checkpoint/base64";
import { type Checkpoint, parseCheckpoint } from "../checkpoint/checkpoint";
import { parseNote } from "../checkpoint/note";
import type { TrustPolicy } from "../checkpoint/policy";
import { DaichoError } from "../errors";
import type { LedgerTree } from "../merkle/ledger-tree";
import { BUNDLE_FORMAT, type Bundle, type BundleEvent, MAX_BUNDLE_EVENTS } from "./format";
import { verifyBundle } from "./verify";

export interface ExportOptions {
  /** First sequence number, inclusive. */
  readonly from: number;
  /** Last sequence number, exclusive (default: the covering checkpoint's size). */
  readonly to?: number;
  /** The signed checkpoint to prove against (default: the latest stored one). */
  readonly checkpoint?: string;
  /** Older signed checkpoints (e.g. the one the auditor holds) to prove consistent with it. */
  readonly older?: readonly string[];
  /**
   * The keys the checkpoint(s) must verify under (the log's own verifier key at least):
   * nothing read from the stores is exported before it verifies.
   */
  readonly policy: TrustPolicy;
}

/** The checkpoint a signed note holds (signatures not checked); throws its decode error. */
export function checkpointOf(note: string): Checkpoint {
  const parsed = E.chain((n: { text: string }) => parseCheckpoint(n.text))(parseNote(note));
  if (E.isLeft(parsed)) throw parsed.left;
  return parsed.right;
}

/**
 * The consistency entries (spec §9.1) from each of the `older` signed checkpoints to the
 * tree of `size`, read from `tree`. Rejects with INVALID_ARGUMENT when one is larger.
 */
export async function consistencyEntries(
  tree: LedgerTree,
  older: readonly string[],
  size: number,
  what: string,
): Promise<{ checkpoint: string; proof: string[] }[]> {
  const out = [];
  for (const old of older) {
    const o = checkpointOf(old);
    if (o.size > size)
      throw new DaichoError(
        "INVALID_ARGUMENT",
        `an older checkpoint is larger than the ${what}'s checkpoint`,
      );
    const p = o.size === size ? [] : await tree.consistencyProof(o.size, size);
    out.push({ checkpoint: old, proof: p.map(toBase64) });
  }
  return out;
}

/**
 * Build an audit bundle for events [from, to) of the ledger whose tree is `tree`: the
 * events' stored bytes, the checkpoint, the range proof (with the hash of event from−1 as
 * an anchor so the first back-link is checked too) and consistency proofs from `older`.
 * Before returning it, verifies the bundle exactly as an auditor would (`verifyBundle`
 * with `policy`), so a stored checkpoint whose signature or root was edited, an edited
 * tree node or an edited event is refused here (BUNDLE_INVALID, SIGNATURE_INVALID,
 * PROOF_INVALID… naming what failed) instead of being handed to an auditor. Rejects with
 * INVALID_ARGUMENT when the range is not covered by the checkpoint.
 */
export async function exportBundle(
  tree: LedgerTree,
  ledgerId: string,
  options: ExportOptions,
): Promise<Bundle> {
  const bundle = await buildBundle(tree, ledgerId, options);
  const check = verifyBundle(JSON.stringify(bundle), { policy: options.policy });
  if (E.isLeft(check)) {
    throw new DaichoError(
      check.left.code,
      `refusing to export a bundle that does not verify (${check.left.reason}); run \`daicho verify\` with the tree: a stored checkpoint, tree node or event may have been edited`,
      check.left.path === undefined ? {} : { path: check.left.path },
    );
  }
  return bundle;
}

/**
 * The bundle as stored, unchecked: for tests and vectors that must build what a dishonest
 * operator would hand out. Not exported from the package.
 */
export async function buildBundle(
  tree: LedgerTree,
  ledgerId: string,
  options: Omit<ExportOptions, "policy">,
): Promise<Bundle> {
  await tree.catchUp();
  const note = options.checkpoint ?? (await tree.store.latestCheckpoint())?.note;
  if (note === undefined) {
    throw new DaichoError(
      "NOT_FOUND",
      "no checkpoint is stored: emit one first (daicho checkpoint)",
    );
  }
  const cp = checkpointOf(note);
  if (cp.origin !== ledgerId)
    throw new DaichoError("INVALID_ARGUMENT", "the checkpoint is from another ledger");
  const from = options.from;
  const to = options.to ?? cp.size;
  if (
    !Number.isSafeInteger(from) ||
    !Number.isSafeInteger(to) ||
    from < 0 ||
    from >= to ||
    to > cp.size
  ) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `events [${from}, ${to}) are not covered by the checkpoint of size ${cp.size}`,
      {
        path: "range",
      },
    );
  }
  if (to - from > MAX_BUNDLE_EVENTS)
    throw new DaichoError("INVALID_ARGUMENT", `a bundle holds at most ${MAX_BUNDLE_EVENTS} events`);
  const events: BundleEvent[] = [];
  for await (const e of tree.events.read({ from, to }))
    events.push({ seq: e.seq, hash: e.hash, body: e.body });
  if (events.length !== to - from)
    throw new DaichoError("STORE_CORRUPT", "the event store is missing events in the range");
  const anchor = from > 0 ? (await tree.events.get(from - 1))?.hash : undefined;
  if (from > 0 && anchor === undefined)
    throw new DaichoError("STORE_CORRUPT", `event ${from - 1} is missing`);
  const proof = await tree.rangeProof(anchor === undefined ? from : from - 1, to, cp.size);
  const consistency = await consistencyEntries(tree, options.older ?? [], cp.size, "bundle");
  return {
    format: BUNDLE_FORMAT,
    ledgerId,
    checkpoint: note,
    range: { from, to },
    ...(anchor === undefined ? {} : { anchor }),
    events,
    rangeProof: { left: proof.left.map(toBase64), right: proof.right.map(toBase64) },
    consistency,
  };
}
