import { DaichoError } from "../errors";
import { isTreeSize, splitPoint } from "./bits";
import { EMPTY_ROOT } from "./hash";
import { decompose, foldRight, type LeafRange, type NodeId } from "./range";
import type { RangeProof } from "./range-proof";

/**
 * Proof generation from stored perfect-subtree nodes. Each proof element is the hash of
 * an RFC 9162 subtree [lo, hi), which is the right fold of `decompose(lo, hi)`; so a
 * proof needs O(log n) node reads and never rebuilds the tree. Planning is pure; the
 * reads go through a `NodeReader` (the tree store).
 */
export interface NodeReader {
  /** The hashes of `ids`, in order. Rejects when a node is not stored. */
  readNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]>;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[n]) as subtree ranges, bottom-up. */
export function inclusionPlan(index: number, size: number): LeafRange[] {
  if (!isTreeSize(size) || !isTreeSize(index) || index >= size) {
    throw new DaichoError("INVALID_ARGUMENT", `leaf ${index} is not in a tree of size ${size}`, {
      path: "index",
    });
  }
  const path: LeafRange[] = [];
  let lo = 0;
  let hi = size;
  while (hi - lo > 1) {
    const k = splitPoint(hi - lo);
    if (index < lo + k) {
      path.push([lo + k, hi]);
      hi = lo + k;
    } else {
      path.push([lo, lo + k]);
      lo += k;
    }
  }
  return path.reverse();
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[n]) = SUBPROOF(m, D[n], true) as subtree ranges, in proof order. */
export function consistencyPlan(size1: number, size2: number): LeafRange[] {
  if (!isTreeSize(size1) || !isTreeSize(size2) || size1 === 0 || size1 > size2) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `no consistency proof from size ${size1} to size ${size2}`,
      {
        path: "size1",
      },
    );
  }
  const siblings: LeafRange[] = [];
  let lo = 0;
  let hi = size2;
  let m = size1;
  let complete = true; // SUBPROOF's flag b: still on the path of the old root
  while (m !== hi - lo) {
    const k = splitPoint(hi - lo);
    if (m <= k) {
      siblings.push([lo + k, hi]);
      hi = lo + k;
    } else {
      siblings.push([lo, lo + k]);
      m -= k;
      lo += k;
      complete = false;
    }
  }
  const proof: LeafRange[] = complete ? [] : [[lo, hi]];
  return proof.concat(siblings.reverse());
}

/** The hashes of subtree ranges, reading every node they need in one batch. */
export async function hashRanges(
  reader: NodeReader,
  ranges: readonly LeafRange[],
): Promise<Uint8Array[]> {
  const parts = ranges.map(([lo, hi]) => decompose(lo, hi));
  const nodes = await reader.readNodes(parts.flat());
  let offset = 0;
  return parts.map((ids) => {
    const hashes = nodes.slice(offset, offset + ids.length);
    offset += ids.length;
    return foldRight(hashes);
  });
}

/** The root of the tree of `size` (any size up to the stored size), in ≤ log2(size) reads. */
export async function rootAt(reader: NodeReader, size: number): Promise<Uint8Array> {
  if (size === 0) return EMPTY_ROOT;
  const [root] = await hashRanges(reader, [[0, size]]);
  return root as Uint8Array;
}

/** The RFC 9162 inclusion proof (audit path) of leaf `index` in the tree of `size`. */
export function inclusionProof(
  reader: NodeReader,
  index: number,
  size: number,
): Promise<Uint8Array[]> {
  return hashRanges(reader, inclusionPlan(index, size));
}

/** The RFC 9162 consistency proof from the tree of `size1` to the tree of `size2`. */
export function consistencyProof(
  reader: NodeReader,
  size1: number,
  size2: number,
): Promise<Uint8Array[]> {
  if (size1 === size2 && size1 > 0) return Promise.resolve([]);
  return hashRanges(reader, consistencyPlan(size1, size2));
}

/** The range proof for leaves [from, to) in the tree of `size` (see `verifyRangeProof`). */
export async function rangeProof(
  reader: NodeReader,
  from: number,
  to: number,
  size: number,
): Promise<RangeProof> {
  if (!isTreeSize(from) || !isTreeSize(to) || !isTreeSize(size) || from >= to || to > size) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `leaves [${from}, ${to}) are not a range of a tree of size ${size}`,
    );
  }
  const leftIds = decompose(0, from);
  const rightIds = decompose(to, size);
  const hashes = await reader.readNodes([...leftIds, ...rightIds]);
  return { left: hashes.slice(0, leftIds.length), right: hashes.slice(leftIds.length) };
}
