import type { MapStore } from "../map/store";
import type { NodeReader } from "./proofs";
import type { Node, NodeId } from "./range";

/** A signed checkpoint as a tree store keeps it: the full signed-note text. */
export interface StoredCheckpoint {
  /** The tree size the checkpoint commits to. */
  readonly size: number;
  /** The complete signed note (checkpoint body, blank line, signature lines). */
  readonly note: string;
  /** When it was first stored, RFC 3339. */
  readonly createdAt: string;
}

/**
 * Where a ledger's Merkle tree lives: every perfect-subtree node (immutable once
 * written), the number of leaves covered, and the signed checkpoints with their
 * co-signatures. The tree is derived data: it can always be rebuilt from the event
 * store, so a crash between an event append and the tree update only means the next
 * `catchUp` has more to do. Stores do not hash; `LedgerTree` does. Every implementation
 * passes `treeStoreConformance` from `@daicho/core/testing`.
 */
export interface TreeStore extends NodeReader {
  readonly kind: string;
  /** Number of leaves the stored tree covers (0 for a new store). */
  size(): Promise<number>;
  /**
   * Store `nodes` and move the size from `expectedSize` to `newSize`, atomically. Rejects
   * with `CONCURRENCY_CONFLICT` (retryable) and writes nothing when the stored size is not
   * `expectedSize`, and with `INVALID_ARGUMENT` when `newSize < expectedSize`.
   */
  append(nodes: readonly Node[], expectedSize: number, newSize: number): Promise<void>;
  /**
   * The hashes of `ids`, in order. Rejects with `STORE_CORRUPT` when a node inside the
   * stored size is missing and `NOT_FOUND` when a node lies beyond it.
   */
  readNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]>;
  /**
   * How many nodes are stored, including any beyond the stored size. A tree of size n
   * has exactly 2n − popcount(n) nodes (`nodesInTree`); `verify` compares the two, so a
   * planted node cannot hide among the genuine ones.
   */
  nodeCount(): Promise<number>;
  /** Insert or replace the checkpoint at `checkpoint.size` (replacing adds co-signatures). */
  putCheckpoint(checkpoint: StoredCheckpoint): Promise<void>;
  /** The checkpoint at exactly `size`, if one was stored. */
  getCheckpoint(size: number): Promise<StoredCheckpoint | undefined>;
  /** The checkpoint with the largest size, if any. */
  latestCheckpoint(): Promise<StoredCheckpoint | undefined>;
  /** Stored checkpoints with size in [from, to), ascending, at most `limit` (default 1000). */
  listCheckpoints(range?: {
    from?: number;
    to?: number;
    limit?: number;
  }): Promise<StoredCheckpoint[]>;
  /**
   * The subject map kept durably beside this tree (spec §12.9), when the store has one
   * (SQLite, PostgreSQL). Checkpoint emission and extracts use it unless a map store is
   * passed; without it they keep an in-memory map per tree for the life of the process.
   * Closed with the tree store.
   */
  readonly map?: MapStore;
  close(): Promise<void>;
}

/** The number of perfect-subtree nodes of the tree of `size` leaves: 2·size − popcount(size). */
export function nodesInTree(size: number): number {
  let bits = 0;
  for (let n = size; n > 0; n = Math.floor(n / 2)) bits += n % 2;
  return 2 * size - bits;
}

/** The last leaf covered by a node: nodes beyond the stored size do not exist yet. */
export function nodeEnd(id: NodeId): number {
  return (id.index + 1) * 2 ** id.level;
}

/**
 * The in-order position of a node in a flat array of a complete binary tree:
 * 2^(level+1)·index + 2^level − 1. Unique per node and < 2·size, so it is a compact
 * single-integer key for stores (exact for trees up to 2^52 leaves).
 */
export function nodePosition(id: NodeId): number {
  return 2 ** (id.level + 1) * id.index + 2 ** id.level - 1;
}
