import { DaichoError } from "../errors";
import { bytesEqual } from "../merkle/hash";
import { EMPTY, keyBit, type MapState, mapLeaf, mapNode, mapValueHash, samePrefix } from "./hash";
import type { MapProof } from "./proof";
import { compareBytes, type MapRecord, type MapWrite, mapPath } from "./record";

export interface Leaf {
  readonly kind: "leaf";
  readonly key: Uint8Array;
  state: MapState;
  hash: Uint8Array | undefined;
  unsaved: boolean;
}
export interface Inner {
  readonly kind: "node";
  left: Tree;
  right: Tree;
  hash: Uint8Array | undefined;
  unsaved: boolean;
}
/** A subtree known only by its hash (not loaded from a store). */
interface Stub {
  readonly kind: "stub";
  readonly hash: Uint8Array;
  readonly unsaved: false;
}
/** A subtree; `undefined` is the empty subtree. */
export type Tree = Leaf | Inner | Stub | undefined;

/** A stub on the paths of some keys (see `SubjectMap.stubsOn`). */
export interface StubOnPath {
  readonly depth: number;
  /** The hash the stub is known by: what the subtree loaded in its place must hash to. */
  readonly expected: Uint8Array;
  readonly keys: readonly Uint8Array[];
  readonly attach: (tree: Tree) => void;
}

/** A leaf of the map as held in memory (`hash`: its verified hash, when known). */
export function leafNode(key: Uint8Array, state: MapState, hash?: Uint8Array): Leaf {
  return { kind: "leaf", key, state, hash, unsaved: false };
}
/** An interior node whose children are given (already verified) subtrees. */
export function innerNode(left: Tree, right: Tree, hash?: Uint8Array): Inner {
  return { kind: "node", left, right, hash, unsaved: false };
}
/** A subtree not loaded, known by its (verified) hash; `EMPTY` is the empty subtree. */
export function stubNode(hash: Uint8Array): Tree {
  return isEmpty(hash) ? undefined : { kind: "stub", hash, unsaved: false };
}

function isEmpty(h: Uint8Array): boolean {
  for (let i = 0; i < h.length; i++) if (h[i] !== 0) return false;
  return true;
}

function sameKey(a: Uint8Array, b: Uint8Array): boolean {
  return samePrefix(a, b, 256);
}

/**
 * The subject map held in memory as a compressed sparse Merkle tree (spec §12.2): a lone
 * leaf sits at the shortest prefix no other key shares, an empty subtree is `EMPTY`.
 * `set` updates one subject's state in O(depth) and marks its path; `root` rehashes only
 * marked nodes; `changes` lists every marked node as a record for a map store. Parts of
 * the tree may be `stub`s (known by hash only, when loaded from a store for an update):
 * setting a key whose path reaches a stub is a programming error (INVALID_ARGUMENT).
 */
export class SubjectMap {
  private tree: Tree;
  private leaves: number;

  constructor(tree: Tree = undefined, leaves = 0) {
    this.tree = tree;
    this.leaves = leaves;
  }

  /** Subjects added through `set` plus those the initial tree was said to hold. */
  get size(): number {
    return this.leaves;
  }

  /** Set `key`'s state (insert or replace). */
  set(key: Uint8Array, state: MapState): void {
    this.tree = this.insert(this.tree, 0, key, state);
  }

  /** The state stored for `key`, if any (undefined also when the path reaches a stub). */
  get(key: Uint8Array): MapState | undefined {
    let node = this.tree;
    for (let depth = 0; node !== undefined; depth++) {
      if (node.kind === "leaf") return sameKey(node.key, key) ? node.state : undefined;
      if (node.kind === "stub") return undefined;
      node = keyBit(key, depth) === 0 ? node.left : node.right;
    }
    return undefined;
  }

  /** The map root (spec §12.2). */
  root(): Uint8Array {
    return hashOf(this.tree);
  }

  /** The proof for `key` (membership with its state, or non-membership). */
  prove(key: Uint8Array): MapProof {
    const siblings: Uint8Array[] = [];
    let node = this.tree;
    for (let depth = 0; ; depth++) {
      if (node === undefined) return { siblings, end: { kind: "empty" } };
      if (node.kind === "stub")
        throw new DaichoError("INVALID_ARGUMENT", "the map's path to this key is not loaded");
      if (node.kind === "leaf") {
        return sameKey(node.key, key)
          ? { siblings, end: { kind: "member", state: node.state } }
          : {
              siblings,
              end: { kind: "other", key: node.key, valueHash: mapValueHash(node.state) },
            };
      }
      const right = keyBit(key, depth) === 1;
      siblings.push(hashOf(right ? node.left : node.right));
      node = right ? node.right : node.left;
    }
  }

  /**
   * The record at `path` (`mapPath(depth, prefix)`), as a store would keep it, or
   * undefined when the map has no node at that position. Used by `verify` to judge a
   * stored record it did not expect to be written.
   */
  recordAt(path: Uint8Array): MapRecord | undefined {
    if (path.length < 2) return undefined;
    const depth = ((path[0] as number) << 8) | (path[1] as number);
    if (depth > 256 || path.length !== 2 + Math.ceil(depth / 8)) return undefined;
    const prefix = new Uint8Array(32);
    prefix.set(path.subarray(2));
    if (!bytesEqual(mapPath(depth, prefix), path)) return undefined; // non-zero padding bits
    let node = this.tree;
    for (let d = 0; d < depth; d++) {
      if (node === undefined || node.kind !== "node") return undefined;
      node = keyBit(prefix, d) === 0 ? node.left : node.right;
    }
    if (node === undefined || node.kind === "stub") return undefined;
    if (node.kind === "leaf") {
      return bytesEqual(mapPath(depth, node.key), path)
        ? { kind: "leaf", key: node.key, state: node.state }
        : undefined;
    }
    return { kind: "node", left: hashOf(node.left), right: hashOf(node.right) };
  }

  /**
   * Where the paths of `keys` reach a subtree not loaded (a stub), grouped: per stub, its
   * depth, the hash it is known by, the keys whose path goes through it, and how to put
   * the loaded subtree in its place. Paths that end in a leaf or an empty subtree need
   * nothing and are left out.
   */
  stubsOn(keys: readonly Uint8Array[]): StubOnPath[] {
    const out: StubOnPath[] = [];
    if (keys.length === 0) return out;
    // Sorted, the keys under a node at depth d are a run, those going left (bit d = 0)
    // before those going right: the walk splits index ranges and allocates nothing on
    // the way down (a kept map is mostly loaded, and most paths end in a leaf).
    const sorted = [...keys].sort(compareBytes);
    const walk = (node: Tree, depth: number, lo: number, hi: number, attach: (t: Tree) => void) => {
      if (node === undefined || node.kind === "leaf") return;
      if (node.kind === "stub") {
        out.push({ depth, expected: node.hash, keys: sorted.slice(lo, hi), attach });
        return;
      }
      const inner = node;
      const mid = firstWithBit(sorted, lo, hi, depth);
      if (mid > lo) walk(inner.left, depth + 1, lo, mid, (t) => (inner.left = t));
      if (hi > mid) walk(inner.right, depth + 1, mid, hi, (t) => (inner.right = t));
    };
    walk(this.tree, 0, 0, sorted.length, (t) => (this.tree = t));
    return out;
  }

  /**
   * Forget every loaded node below `depth` (each subtree there becomes a stub known by its
   * hash), to bound the memory a map kept between checkpoints holds. Only for a map whose
   * changes were all collected (`changes`): an unsaved node would be lost.
   */
  prune(depth: number): void {
    const cut = (node: Tree, d: number): Tree => {
      if (node === undefined || node.kind === "stub") return node;
      if (node.unsaved)
        throw new DaichoError("INVALID_ARGUMENT", "prune the map only after taking its changes");
      if (d >= depth) return stubNode(hashOf(node));
      if (node.kind === "node") {
        node.left = cut(node.left, d + 1);
        node.right = cut(node.right, d + 1);
      }
      return node;
    };
    this.tree = cut(this.tree, 0);
  }

  /** Every node changed since the last call, as records at their positions (then unmarked). */
  changes(): MapWrite[] {
    const out: MapWrite[] = [];
    collect(this.tree, 0, new Uint8Array(32), out);
    return out;
  }

  private insert(node: Tree, depth: number, key: Uint8Array, state: MapState): Tree {
    if (node === undefined) {
      this.leaves++;
      return { kind: "leaf", key, state, hash: undefined, unsaved: true };
    }
    if (node.kind === "stub")
      throw new DaichoError("INVALID_ARGUMENT", "the map's path to this key is not loaded");
    if (node.kind === "leaf") {
      if (sameKey(node.key, key)) {
        node.state = state;
        node.hash = undefined;
        node.unsaved = true;
        return node;
      }
      this.leaves++;
      // The old leaf moves down: it is written again at its new position.
      node.unsaved = true;
      return split(node, { kind: "leaf", key, state, hash: undefined, unsaved: true }, depth);
    }
    if (keyBit(key, depth) === 0) node.left = this.insert(node.left, depth + 1, key, state);
    else node.right = this.insert(node.right, depth + 1, key, state);
    node.hash = undefined;
    node.unsaved = true;
    return node;
  }
}

/**
 * The first index in [lo, hi) of `sorted` whose key has bit `depth` set (hi when none):
 * the keys there agree on their first `depth` bits, so their bits at `depth` are sorted.
 */
function firstWithBit(sorted: readonly Uint8Array[], lo: number, hi: number, depth: number) {
  let a = lo;
  let b = hi;
  while (a < b) {
    const m = (a + b) >> 1;
    if (keyBit(sorted[m] as Uint8Array, depth) === 1) b = m;
    else a = m + 1;
  }
  return a;
}

/** The smallest subtree holding two leaves of different keys that agree up to `depth`. */
function split(a: Leaf, b: Leaf, depth: number): Inner {
  const ba = keyBit(a.key, depth);
  if (ba !== keyBit(b.key, depth)) {
    const [left, right] = ba === 0 ? [a, b] : [b, a];
    return { kind: "node", left, right, hash: undefined, unsaved: true };
  }
  const below = split(a, b, depth + 1);
  return ba === 0
    ? { kind: "node", left: below, right: undefined, hash: undefined, unsaved: true }
    : { kind: "node", left: undefined, right: below, hash: undefined, unsaved: true };
}

/** hash(T) of spec §12.2, cached in each node until it changes. */
export function hashOf(node: Tree): Uint8Array {
  if (node === undefined) return EMPTY;
  if (node.kind === "stub" || node.hash !== undefined) return node.hash as Uint8Array;
  const h =
    node.kind === "leaf"
      ? mapLeaf(node.key, mapValueHash(node.state))
      : mapNode(hashOf(node.left), hashOf(node.right));
  node.hash = h;
  return h;
}

function setBit(prefix: Uint8Array, i: number, bit: 0 | 1): void {
  const mask = 1 << (7 - (i & 7));
  prefix[i >> 3] =
    bit === 1 ? (prefix[i >> 3] as number) | mask : (prefix[i >> 3] as number) & ~mask;
}

function collect(node: Tree, depth: number, prefix: Uint8Array, out: MapWrite[]): void {
  if (node === undefined || !node.unsaved) return;
  let record: MapRecord;
  if (node.kind === "leaf") record = { kind: "leaf", key: node.key, state: node.state };
  else if (node.kind === "node") {
    record = { kind: "node", left: hashOf(node.left), right: hashOf(node.right) };
    setBit(prefix, depth, 0);
    collect(node.left, depth + 1, prefix, out);
    setBit(prefix, depth, 1);
    collect(node.right, depth + 1, prefix, out);
    setBit(prefix, depth, 0);
  } else return;
  node.unsaved = false;
  out.push({ path: mapPath(depth, node.kind === "leaf" ? node.key : prefix), record });
}
