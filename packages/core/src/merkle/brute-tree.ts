import { leafHash, nodeHash } from "./hash";
import type { NodeReader } from "./proofs";
import type { NodeId } from "./range";

/**
 * An independent reference tree for tests: RFC 9162 §2.1.1 MTH, §2.1.3.1 PATH and
 * §2.1.4.1 PROOF written directly from the recursive definitions over the leaf list,
 * with no stored nodes, no compact ranges and no shared code beyond the two hash
 * functions. Quadratic and slow; only for cross-checking small trees.
 */
export class BruteTree {
  constructor(readonly leaves: readonly Uint8Array[]) {}

  /** MTH(D[lo:hi]). */
  mth(lo = 0, hi = this.leaves.length): Uint8Array {
    const n = hi - lo;
    if (n === 0) throw new Error("brute tree: empty range");
    if (n === 1) return leafHash(this.leaves[lo] as Uint8Array);
    let k = 1;
    while (k * 2 < n) k *= 2;
    return nodeHash(this.mth(lo, lo + k), this.mth(lo + k, hi));
  }

  /** PATH(m, D[lo:hi]). */
  path(m: number, lo = 0, hi = this.leaves.length): Uint8Array[] {
    const n = hi - lo;
    if (n === 1) return [];
    let k = 1;
    while (k * 2 < n) k *= 2;
    return m < k
      ? [...this.path(m, lo, lo + k), this.mth(lo + k, hi)]
      : [...this.path(m - k, lo + k, hi), this.mth(lo, lo + k)];
  }

  /** PROOF(m, D[0:n]) = SUBPROOF(m, D[0:n], true). */
  proof(m: number, n: number): Uint8Array[] {
    return this.subproof(m, 0, n, true);
  }

  private subproof(m: number, lo: number, hi: number, b: boolean): Uint8Array[] {
    const n = hi - lo;
    if (m === n) return b ? [] : [this.mth(lo, hi)];
    let k = 1;
    while (k * 2 < n) k *= 2;
    return m <= k
      ? [...this.subproof(m, lo, lo + k, b), this.mth(lo + k, hi)]
      : [...this.subproof(m - k, lo + k, hi, false), this.mth(lo, lo + k)];
  }

  /** A NodeReader serving perfect nodes straight from MTH (for proof generation tests). */
  reader(): NodeReader {
    return {
      readNodes: async (ids: readonly NodeId[]) =>
        ids.map((id) => this.mth(id.index * 2 ** id.level, (id.index + 1) * 2 ** id.level)),
    };
  }
}
