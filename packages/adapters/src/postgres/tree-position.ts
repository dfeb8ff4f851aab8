import type { NodeId } from "@daicho/core/merkle";

/**
 * Post-order numbering of Merkle tree nodes, the key PostgreSQL stores them under.
 *
 * A tree grown leaf by leaf completes, on appending leaf k, the leaf node (0, k) and then
 * every parent whose right edge is leaf k, bottom-up (RFC 9162 perfect subtrees; the
 * order `CompactRange.appendLeaf` reports them in). Numbering nodes in that order gives
 * node (level l, index i), whose last leaf is e − 1 with e = (i + 1)·2^l, the number
 *
 *     ord(l, i) = 2(e − 1) − popcount(e − 1) + l
 *
 * since the tree of e − 1 leaves has 2(e − 1) − popcount(e − 1) perfect-subtree nodes.
 * The nodes of the tree of size n are then exactly ord < 2n − popcount(n): a dense
 * prefix, so "nodes within the size" is a range and a backup streams them in the very
 * order a restore recomputes them. Plain arithmetic, exact for every size up to 2^52.
 */

/** Number of set bits of a non-negative safe integer. */
function popCount(x: number): number {
  let c = 0;
  let v = x;
  while (v > 0) {
    c += v % 2;
    v = Math.floor(v / 2);
  }
  return c;
}

/** Number of perfect-subtree nodes in the tree of `size` leaves: 2·size − popcount(size). */
export function nodeCount(size: number): number {
  return 2 * size - popCount(size);
}

/** The post-order number of a node (see the module comment). */
export function postOrder(id: NodeId): number {
  const last = (id.index + 1) * 2 ** id.level - 1;
  return nodeCount(last) + id.level;
}

/**
 * Every node of the tree of `size` leaves in post-order (ord 0, 1, 2, …), starting at
 * `fromLeaf` (the nodes completed by leaves ≥ fromLeaf). Lazy: memory stays constant.
 */
export function* nodesInPostOrder(size: number, fromLeaf = 0): Generator<NodeId> {
  for (let k = fromLeaf; k < size; k++) {
    yield { level: 0, index: k };
    let e = k + 1;
    let level = 0;
    while (e % 2 === 0) {
      e /= 2;
      level++;
      yield { level, index: e - 1 };
    }
  }
}
