import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { isTreeSize } from "./bits";
import { bytesEqual, HASH_SIZE } from "./hash";
import { CompactRange, decompose } from "./range";

/**
 * Range proofs: a run of consecutive leaves [from, to) is in the tree of `size` with
 * root R. The proof is the hashes of `decompose(0, from)` (the left border) and of
 * `decompose(to, size)` (what lies to the right), at most about 2·log2(size) hashes for
 * any number of leaves. The verifier rebuilds the root with a compact range: left
 * border, then every leaf, then every right node, each appended at its aligned position
 * (docs/spec.md "Audit bundles"). Collision resistance of RFC 9162 hashing makes the
 * leaves' positions and contents binding.
 */
export interface RangeProof {
  readonly left: readonly Uint8Array[];
  readonly right: readonly Uint8Array[];
}

const fail = (reason: string, path?: string): E.Either<DaichoError, never> =>
  E.left(new DaichoError("PROOF_INVALID", reason, path === undefined ? {} : { path }));

function allHashes(list: readonly Uint8Array[], path: string): E.Either<DaichoError, void> {
  for (let i = 0; i < list.length; i++) {
    const h = list[i];
    if (!(h instanceof Uint8Array) || h.length !== HASH_SIZE)
      return fail("every hash must be 32 bytes", `${path}[${i}]`);
  }
  return E.right(undefined);
}

/**
 * The root of the tree of `size` implied by `leafHashes` at positions from, from+1, …
 * and the range proof. Left when the range is empty or outside the tree, or the proof
 * has the wrong shape.
 */
export function rootFromRangeProof(
  from: number,
  leafHashes: readonly Uint8Array[],
  size: number,
  proof: RangeProof,
): E.Either<DaichoError, Uint8Array> {
  if (!isTreeSize(from) || !isTreeSize(size))
    return fail("from and size must be safe non-negative integers");
  const to = from + leafHashes.length;
  if (leafHashes.length === 0) return fail("a range proof covers at least one leaf", "leaves");
  if (to > size)
    return fail(`leaves [${from}, ${to}) do not fit in a tree of size ${size}`, "size");
  const leftIds = decompose(0, from);
  const rightIds = decompose(to, size);
  if (!Array.isArray(proof.left) || proof.left.length !== leftIds.length) {
    return fail(`the left border of ${from} leaves has ${leftIds.length} hashes`, "left");
  }
  if (!Array.isArray(proof.right) || proof.right.length !== rightIds.length) {
    return fail(`the right side of [${to}, ${size}) has ${rightIds.length} hashes`, "right");
  }
  for (const [list, path] of [
    [proof.left, "left"],
    [leafHashes, "leaves"],
    [proof.right, "right"],
  ] as const) {
    const ok = allHashes(list, path);
    if (E.isLeft(ok)) return ok;
  }
  const range = new CompactRange(from, proof.left);
  for (const leaf of leafHashes) range.appendLeaf(leaf);
  for (const [i, id] of rightIds.entries())
    range.appendNode(id.level, proof.right[i] as Uint8Array);
  return E.right(range.root());
}

/** Check a range proof against a known root; Right(undefined) when it leads there. */
export function verifyRangeProof(
  from: number,
  leafHashes: readonly Uint8Array[],
  size: number,
  proof: RangeProof,
  root: Uint8Array,
): E.Either<DaichoError, void> {
  const computed = rootFromRangeProof(from, leafHashes, size, proof);
  if (E.isLeft(computed)) return computed;
  return bytesEqual(computed.right, root)
    ? E.right(undefined)
    : fail(`the leaves and proof do not lead to the root of the tree of size ${size}`, "root");
}

/**
 * Plain form of {@link rootFromRangeProof} (no fp-ts needed): returns the root the range
 * proof leads to, or throws `PROOF_INVALID`.
 */
export const rootFromRangeProofOrThrow = throwing(rootFromRangeProof);

/**
 * Plain form of {@link verifyRangeProof} (no fp-ts needed): returns when the
 * leaves are in the tree with that root, or throws `PROOF_INVALID`.
 */
export const verifyRangeProofOrThrow = throwing(verifyRangeProof);
