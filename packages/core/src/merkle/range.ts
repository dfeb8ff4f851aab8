import { DaichoError } from "../errors";
import { shr, trailingZeros } from "./bits";
import { EMPTY_ROOT, HASH_SIZE, nodeHash } from "./hash";

/**
 * A perfect subtree of the log: the node at `level` (0 = leaf) and `index` within that
 * level covers leaves [index·2^level, (index+1)·2^level). Once the log has that many
 * leaves the node's hash never changes, which is why only these nodes are stored.
 */
export interface NodeId {
  readonly level: number;
  readonly index: number;
}

/** A node and its hash. */
export interface Node extends NodeId {
  readonly hash: Uint8Array;
}

/** The half-open leaf range [lo, hi). */
export type LeafRange = readonly [lo: number, hi: number];

/**
 * The aligned perfect subtrees covering leaves [lo, hi), left to right: at each step
 * the largest node that starts at `lo` (aligned to its own size) and ends by `hi`.
 * For [0, n) this is one node per set bit of n, largest first (a "compact range").
 */
export function decompose(lo: number, hi: number): NodeId[] {
  const out: NodeId[] = [];
  while (lo < hi) {
    let level = Math.floor(Math.log2(hi - lo));
    if (2 ** level > hi - lo) level--; // guard against log2 rounding up
    if (lo > 0) level = Math.min(level, trailingZeros(lo));
    out.push({ level, index: lo / 2 ** level });
    lo += 2 ** level;
  }
  return out;
}

/**
 * The hash of the RFC 9162 subtree over [lo, hi) from the hashes of `decompose(lo, hi)`
 * in order: folded from the right, because RFC 9162 splits an incomplete subtree at the
 * largest power of two, so MTH = H(p1, H(p2, … H(pk−1, pk))). Only valid for ranges that
 * are subtrees of some tree (lo aligned to a power of two ≥ hi − lo, or lo = 0).
 */
export function foldRight(hashes: readonly Uint8Array[]): Uint8Array {
  if (hashes.length === 0) return EMPTY_ROOT;
  let acc = hashes[hashes.length - 1] as Uint8Array;
  for (let i = hashes.length - 2; i >= 0; i--) acc = nodeHash(hashes[i] as Uint8Array, acc);
  return acc;
}

/**
 * The right border of a tree under construction: the perfect subtrees of [0, size),
 * largest first. Appending a leaf (or an aligned perfect node) merges equal-level
 * neighbours; every node that becomes complete is reported, so a store can keep it.
 */
export class CompactRange {
  private readonly levels: number[] = [];
  private readonly hashes: Uint8Array[] = [];
  private count: number;

  /**
   * Resume at `size` from the hashes of `decompose(0, size)` (largest first). Fails with
   * INVALID_ARGUMENT when the number of hashes does not match the size.
   */
  constructor(size = 0, border: readonly Uint8Array[] = []) {
    const ids = decompose(0, size);
    if (ids.length !== border.length) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        `a compact range of size ${size} has ${ids.length} nodes`,
      );
    }
    ids.forEach((id, i) => {
      this.levels.push(id.level);
      this.hashes.push(border[i] as Uint8Array);
    });
    this.count = size;
  }

  /** Number of leaves covered. */
  get size(): number {
    return this.count;
  }

  /** Append one leaf hash; `onNode` sees the leaf node and every parent it completes. */
  appendLeaf(hash: Uint8Array, onNode?: (node: Node) => void): void {
    this.appendNode(0, hash, onNode);
  }

  /**
   * Append a perfect subtree of `level` whose first leaf is the current size (which must
   * be a multiple of 2^level). Used to rebuild a root from proof nodes.
   */
  appendNode(level: number, hash: Uint8Array, onNode?: (node: Node) => void): void {
    if (hash.length !== HASH_SIZE)
      throw new DaichoError("PROOF_INVALID", "a node hash must be 32 bytes");
    if (this.count % 2 ** level !== 0) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        `a level-${level} node cannot start at leaf ${this.count}`,
      );
    }
    onNode?.({ level, index: this.count / 2 ** level, hash });
    this.count += 2 ** level;
    let lvl = level;
    let h = hash;
    while (this.levels.length > 0 && this.levels[this.levels.length - 1] === lvl) {
      this.levels.pop();
      const left = this.hashes.pop() as Uint8Array;
      h = nodeHash(left, h);
      lvl++;
      onNode?.({ level: lvl, index: shr(this.count - 1, lvl), hash: h });
    }
    this.levels.push(lvl);
    this.hashes.push(h);
  }

  /** The RFC 9162 root of the leaves so far (SHA-256("") when empty). */
  root(): Uint8Array {
    return foldRight(this.hashes);
  }

  /** The border hashes, largest subtree first (a copy). */
  border(): Uint8Array[] {
    return [...this.hashes];
  }
}
