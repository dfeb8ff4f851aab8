import { type MapState, mapLeaf, mapNode, mapValueHash } from "./hash";

/**
 * What a map store keeps at one position (spec §12.9): an interior node with both child
 * hashes (`EMPTY` for an empty child), or a leaf with its key and state. A record's hash
 * is recomputed by whoever reads it, and checked against its parent's child hash.
 */
export type MapRecord =
  | { readonly kind: "node"; readonly left: Uint8Array; readonly right: Uint8Array }
  | { readonly kind: "leaf"; readonly key: Uint8Array; readonly state: MapState };

/** A record and where it goes. */
export interface MapWrite {
  /** `mapPath(depth, key)`. */
  readonly path: Uint8Array;
  readonly record: MapRecord;
}

/** The hash a record stands for: `node(left, right)` or `leaf(key, valueHash(state))`. */
export function recordHash(record: MapRecord): Uint8Array {
  return record.kind === "node"
    ? mapNode(record.left, record.right)
    : mapLeaf(record.key, mapValueHash(record.state));
}

/**
 * Bytewise order, a shorter prefix first (SQLite's `memcmp`-then-length BLOB order): the
 * order of positions (`mapPath`) in a store, and of keys.
 */
export function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = (a[i] as number) - (b[i] as number);
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

/** A position's length in bytes: `mapPath(0, …)` is 2 bytes, `mapPath(256, …)` 34. */
export const MAP_PATH_MIN_BYTES = 2;
export const MAP_PATH_MAX_BYTES = 34;

/**
 * The position of the node at `depth` on `key`'s path: u16be(depth) ‖ the first `depth`
 * bits of the key, zero-padded to whole bytes (spec §12.9). One byte string per position.
 */
export function mapPath(depth: number, key: Uint8Array): Uint8Array {
  const bytes = Math.ceil(depth / 8);
  const out = new Uint8Array(2 + bytes);
  out[0] = depth >> 8;
  out[1] = depth & 0xff;
  out.set(key.subarray(0, bytes), 2);
  const rest = depth & 7;
  if (rest !== 0) out[1 + bytes] = (out[1 + bytes] as number) & ((0xff << (8 - rest)) & 0xff);
  return out;
}
