import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { isTreeSize, splitPoint } from "./bits";
import { bytesEqual, HASH_SIZE, nodeHash } from "./hash";
import { hashRanges, type NodeReader } from "./proofs";
import type { LeafRange } from "./range";

/**
 * Inclusion multi-proofs (docs/spec.md §12.5): one proof that several leaves are in the
 * tree of a size, made of the hashes of the largest subtrees (in RFC 9162's split) that
 * hold none of them, left to right. For one leaf it holds the audit path's hashes, ordered
 * by position instead of bottom-up.
 */

/** The subtree ranges a multi-proof for sorted distinct `indices` in a tree of `size` holds, in order. */
export function multiProofPlan(indices: readonly number[], size: number): LeafRange[] {
  checkIndices(indices, size);
  const out: LeafRange[] = [];
  if (indices.length === 0) return out;
  const walk = (from: number, to: number, lo: number, hi: number) => {
    // indices[from, to) lie in [lo, hi) and are non-empty
    if (hi - lo === 1) return;
    const mid = lo + splitPoint(hi - lo);
    let cut = from;
    while (cut < to && (indices[cut] as number) < mid) cut++;
    if (cut === from) out.push([lo, mid]);
    else walk(from, cut, lo, mid);
    if (cut === to) out.push([mid, hi]);
    else walk(cut, to, mid, hi);
  };
  walk(0, indices.length, 0, size);
  return out;
}

/** The multi-proof for `indices` in the tree of `size`, read from stored nodes in one batch. */
export function multiProof(
  reader: NodeReader,
  indices: readonly number[],
  size: number,
): Promise<Uint8Array[]> {
  return hashRanges(reader, multiProofPlan(indices, size));
}

function checkIndices(indices: readonly number[], size: number): void {
  if (!isTreeSize(size))
    throw new DaichoError("INVALID_ARGUMENT", "invalid tree size", { path: "size" });
  for (let i = 0; i < indices.length; i++) {
    const x = indices[i];
    if (!isTreeSize(x) || x >= size || (i > 0 && x <= (indices[i - 1] as number)))
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "multi-proof indices must be strictly ascending leaf indices below the tree size",
        { path: `indices[${i}]` },
      );
  }
}

const fail = (reason: string): E.Either<DaichoError, never> =>
  E.left(new DaichoError("PROOF_INVALID", reason, { path: "inclusion" }));

/**
 * Check that `leaves` (leaf hashes, in the order of `indices`) are the leaves at
 * `indices` (strictly ascending) of the tree of `size` whose root is `root`, with the
 * multi-proof `proof` (spec §12.5). Every hash is consumed exactly once; a proof with a
 * hash too many or too few, a hash of the wrong length, or indices out of order or range
 * is Left(PROOF_INVALID). Never throws. The recursion is at most 53 deep.
 */
export function verifyMultiProof(
  indices: readonly number[],
  leaves: readonly Uint8Array[],
  size: number,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): E.Either<DaichoError, void> {
  if (!isTreeSize(size)) return fail("invalid tree size");
  if (indices.length !== leaves.length) return fail("one leaf hash per index");
  for (let i = 0; i < indices.length; i++) {
    const x = indices[i];
    if (!isTreeSize(x) || x >= size || (i > 0 && x <= (indices[i - 1] as number)))
      return fail("indices must be strictly ascending and below the tree size");
    const l = leaves[i];
    if (!(l instanceof Uint8Array) || l.length !== HASH_SIZE)
      return fail("a leaf hash is 32 bytes");
  }
  // A proof needs at most one hash per level per index: bound it before hashing.
  if (!Array.isArray(proof) || proof.length > indices.length * 64)
    return fail("the multi-proof has more hashes than its indices can use");
  for (const p of proof)
    if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE)
      return fail("every proof hash must be 32 bytes");
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE)
    return fail("the root is 32 bytes");
  if (indices.length === 0)
    return proof.length === 0 ? E.right(undefined) : fail("a multi-proof of no leaf is empty");
  let next = 0;
  const take = (): Uint8Array | undefined => proof[next++];
  const rootOf = (from: number, to: number, lo: number, hi: number): Uint8Array | undefined => {
    if (hi - lo === 1) return leaves[from];
    const mid = lo + splitPoint(hi - lo);
    let cut = from;
    while (cut < to && (indices[cut] as number) < mid) cut++;
    const left = cut === from ? take() : rootOf(from, cut, lo, mid);
    if (left === undefined) return undefined;
    const right = cut === to ? take() : rootOf(cut, to, mid, hi);
    if (right === undefined) return undefined;
    return nodeHash(left, right);
  };
  const computed = rootOf(0, indices.length, 0, size);
  if (computed === undefined) return fail("the multi-proof has too few hashes");
  if (next !== proof.length) return fail("the multi-proof has hashes left over");
  return bytesEqual(computed, root)
    ? E.right(undefined)
    : fail(`the multi-proof does not lead to the root of the tree of size ${size}`);
}

/**
 * Plain form of {@link verifyMultiProof} (no fp-ts needed): returns when every leaf is in
 * the tree with that root, or throws `PROOF_INVALID`.
 */
export const verifyMultiProofOrThrow = throwing(verifyMultiProof);
