import { bytesToHex } from "../hash";
import { eventLeafData } from "../merkle/hash";
import { EMPTY, mapLeaf, mapNode, mapValueHashOf } from "./hash";
import { type MapRecord, type MapWrite, mapPath } from "./record";

/**
 * A reference to a subtree of a `FlatSubjectMap`: 0 is the empty subtree, `r > 0` the
 * interior node `r − 1`, `r < 0` the leaf `−r − 1`.
 */
export type Ref = number;

/** Node flags: the cached hash is current; the node changed since the last `changes()`. */
const HASHED = 1;
const UNSAVED = 2;
/** Noted by `note` (a stored record was found at the node), and whether it was equal. */
const NOTED = 4;
const NOTED_EQUAL = 8;

const INITIAL = 1024;

function grown<T extends Uint8Array | Int32Array | Float64Array>(a: T, length: number): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/**
 * The subject map of spec §12.2, held in typed arrays instead of one object per node, for
 * `verify`, which keeps the whole map of a ledger in memory while it replays the events:
 * about 175 bytes per subject (a leaf: key, count, last seq, last hash and its own hash;
 * ~1.44 interior nodes: two child references and a hash), against about 1 KB for
 * `SubjectMap`'s objects. Same tree as `SubjectMap` (a lone leaf at the shortest prefix no
 * other key shares), same hashes cached and invalidated along the changed path, same
 * "unsaved" marks, so `root()`, `recordAt` and `changes()` give byte for byte what
 * `SubjectMap` gives for the same `set` calls (a property test holds them equal).
 * Subjects are never removed; arrays double as they fill.
 */
export class FlatSubjectMap {
  private root_: Ref = 0;
  private inners = 0;
  private leaves = 0;
  // Interior nodes.
  private left = new Int32Array(INITIAL);
  private right = new Int32Array(INITIAL);
  private innerHash = new Uint8Array(INITIAL * 32);
  private innerFlags = new Uint8Array(INITIAL);
  // Leaves.
  private keys = new Uint8Array(INITIAL * 32);
  private counts = new Float64Array(INITIAL);
  private lastSeqs = new Float64Array(INITIAL);
  private lastHashes = new Uint8Array(INITIAL * 32);
  private leafHash = new Uint8Array(INITIAL * 32);
  private leafFlags = new Uint8Array(INITIAL);

  /** Subjects in the map. */
  get size(): number {
    return this.leaves;
  }

  /** Bytes held by the arrays (capacity, not only what is used). */
  get bytes(): number {
    const inner = this.left.length * (4 + 4 + 32 + 1);
    return inner + this.counts.length * (32 + 8 + 8 + 32 + 32 + 1);
  }

  /** The `count` stored for `key`, or 0 when the key is not in the map. */
  count(key: Uint8Array): number {
    const leaf = this.find(key);
    return leaf < 0 ? 0 : (this.counts[leaf] as number);
  }

  /** Set `key`'s state (insert or replace); `lastHash` is 64 lower-case hex digits. */
  set(key: Uint8Array, count: number, lastSeq: number, lastHash: string): void {
    const hash = eventLeafData(lastHash);
    if (this.root_ === 0) {
      this.root_ = -this.newLeaf(key, count, lastSeq, hash) - 1;
      return;
    }
    let parent = -1;
    let side = 0;
    let ref = this.root_;
    for (let depth = 0; ; depth++) {
      if (ref > 0) {
        const i = ref - 1;
        this.innerFlags[i] = UNSAVED;
        const bit = this.bit(key, 0, depth);
        const child = bit === 0 ? (this.left[i] as number) : (this.right[i] as number);
        if (child === 0) {
          this.attach(i, bit, -this.newLeaf(key, count, lastSeq, hash) - 1);
          return;
        }
        parent = i;
        side = bit;
        ref = child;
        continue;
      }
      const j = -ref - 1;
      if (this.keyIs(j, key)) {
        this.counts[j] = count;
        this.lastSeqs[j] = lastSeq;
        this.lastHashes.set(hash, j * 32);
        this.leafFlags[j] = UNSAVED;
        return;
      }
      // The old leaf moves down: it is written again at its new position.
      this.leafFlags[j] = UNSAVED;
      const k = this.newLeaf(key, count, lastSeq, hash);
      const below = this.split(j, k, depth);
      if (parent < 0) this.root_ = below;
      else this.attach(parent, side, below);
      return;
    }
  }

  /** The map root (spec §12.2). */
  root(): Uint8Array {
    return this.hashOf(this.root_).slice();
  }

  /**
   * The record at `path` (`mapPath(depth, prefix)`), or undefined when the map has no node
   * there: what `SubjectMap.recordAt` answers.
   */
  recordAt(path: Uint8Array): MapRecord | undefined {
    const at = this.refAt(path);
    return at === 0 ? undefined : this.record(at);
  }

  /**
   * The node at `path`, or 0 when the map has none (malformed paths, non-zero padding bits,
   * paths running past a leaf or into an empty subtree).
   */
  refAt(path: Uint8Array): Ref {
    if (path.length < 2) return 0;
    const depth = ((path[0] as number) << 8) | (path[1] as number);
    if (depth > 256 || path.length !== 2 + Math.ceil(depth / 8)) return 0;
    const rest = depth & 7;
    if (rest !== 0 && ((path[path.length - 1] as number) & (0xff >> rest)) !== 0) return 0;
    let ref = this.root_;
    for (let d = 0; d < depth; d++) {
      if (ref <= 0) return 0;
      const bit = ((path[2 + (d >> 3)] as number) >> (7 - (d & 7))) & 1;
      ref = bit === 0 ? (this.left[ref - 1] as number) : (this.right[ref - 1] as number);
    }
    if (ref < 0) {
      // A leaf is reached on the prefix's bits, so its key agrees with them: it sits here.
      const j = -ref - 1;
      for (let b = 0; b < depth >> 3; b++) if (this.keys[j * 32 + b] !== path[2 + b]) return 0;
      if (rest !== 0) {
        const mask = (0xff << (8 - rest)) & 0xff;
        if (((this.keys[j * 32 + (depth >> 3)] as number) & mask) !== path[path.length - 1])
          return 0;
      }
    }
    return ref;
  }

  /** The record of node `ref` (not 0). */
  record(ref: Ref): MapRecord {
    if (ref > 0) {
      const i = ref - 1;
      return {
        kind: "node",
        left: this.hashOf(this.left[i] as number).slice(),
        right: this.hashOf(this.right[i] as number).slice(),
      };
    }
    const j = -ref - 1;
    return {
      kind: "leaf",
      key: this.keys.slice(j * 32, j * 32 + 32),
      state: {
        count: this.counts[j] as number,
        lastSeq: this.lastSeqs[j] as number,
        lastHash: bytesToHex(this.lastHashes.subarray(j * 32, j * 32 + 32)),
      },
    };
  }

  /** True when `record` is, field by field, node `ref`'s record (as `sameRecord` compares). */
  holds(ref: Ref, record: MapRecord): boolean {
    if (ref > 0) {
      if (record.kind !== "node") return false;
      const i = ref - 1;
      return (
        same(this.hashOf(this.left[i] as number), record.left) &&
        same(this.hashOf(this.right[i] as number), record.right)
      );
    }
    if (record.kind !== "leaf") return false;
    const j = -ref - 1;
    return (
      same(this.keys.subarray(j * 32, j * 32 + 32), record.key) &&
      this.counts[j] === record.state.count &&
      this.lastSeqs[j] === record.state.lastSeq &&
      bytesToHex(this.lastHashes.subarray(j * 32, j * 32 + 32)) === record.state.lastHash
    );
  }

  /**
   * Visit every node changed since the last `changes()` / `visitChanged(…, true)`, in the
   * order `SubjectMap.changes()` lists them (children before their parent, left first),
   * with its depth; `unmark` clears the marks as it goes. Stops at the first visit that
   * returns true, and returns true then (marks below and beside it are left as they were).
   */
  visitChanged(visit: (ref: Ref, depth: number) => boolean, unmark: boolean): boolean {
    return this.walk(this.root_, 0, visit, unmark);
  }

  /**
   * Note on changed node `ref` that a stored record was found at its position, and whether
   * it equals the node's record (a later note replaces an earlier one). Unchanged nodes
   * are not noted. `visitChanged` clears the notes of the nodes it unmarks.
   */
  note(ref: Ref, equal: boolean): void {
    const f = this.flags(ref);
    if ((f & UNSAVED) === 0) return;
    this.setFlags(ref, (f & ~NOTED_EQUAL) | NOTED | (equal ? NOTED_EQUAL : 0));
  }

  /** What `note` recorded for `ref`: undefined (nothing), or whether the record was equal. */
  noted(ref: Ref): boolean | undefined {
    const f = this.flags(ref);
    return (f & NOTED) === 0 ? undefined : (f & NOTED_EQUAL) !== 0;
  }

  /** Every node changed since the last call, as records at their positions (then unmarked). */
  changes(): MapWrite[] {
    const out: MapWrite[] = [];
    const prefix = new Uint8Array(32);
    this.collect(this.root_, 0, prefix, out);
    return out;
  }

  private walk(
    ref: Ref,
    depth: number,
    visit: (ref: Ref, depth: number) => boolean,
    unmark: boolean,
  ): boolean {
    if (ref === 0 || (this.flags(ref) & UNSAVED) === 0) return false;
    if (ref > 0) {
      const i = ref - 1;
      if (this.walk(this.left[i] as number, depth + 1, visit, unmark)) return true;
      if (this.walk(this.right[i] as number, depth + 1, visit, unmark)) return true;
    }
    if (visit(ref, depth)) return true;
    if (unmark) this.unmark(ref);
    return false;
  }

  private collect(ref: Ref, depth: number, prefix: Uint8Array, out: MapWrite[]): void {
    if (ref === 0 || (this.flags(ref) & UNSAVED) === 0) return;
    const record = this.record(ref);
    let path: Uint8Array;
    if (ref > 0) {
      const mask = 1 << (7 - (depth & 7));
      const at = depth >> 3;
      prefix[at] = (prefix[at] as number) & ~mask;
      this.collect(this.left[ref - 1] as number, depth + 1, prefix, out);
      prefix[at] = (prefix[at] as number) | mask;
      this.collect(this.right[ref - 1] as number, depth + 1, prefix, out);
      prefix[at] = (prefix[at] as number) & ~mask;
      path = mapPath(depth, prefix);
    } else path = mapPath(depth, (record as { key: Uint8Array }).key);
    this.unmark(ref);
    out.push({ path, record });
  }

  private flags(ref: Ref): number {
    return ref > 0 ? (this.innerFlags[ref - 1] as number) : (this.leafFlags[-ref - 1] as number);
  }

  private setFlags(ref: Ref, flags: number): void {
    if (ref > 0) this.innerFlags[ref - 1] = flags;
    else this.leafFlags[-ref - 1] = flags;
  }

  private unmark(ref: Ref): void {
    this.setFlags(ref, this.flags(ref) & HASHED);
  }

  /** hash(T) of spec §12.2 for `ref`, cached; a view into the arrays (copy to keep it). */
  private hashOf(ref: Ref): Uint8Array {
    if (ref === 0) return EMPTY;
    if (ref > 0) {
      const i = ref - 1;
      const at = i * 32;
      if (((this.innerFlags[i] as number) & HASHED) === 0) {
        const l = this.hashOf(this.left[i] as number);
        const r = this.hashOf(this.right[i] as number);
        this.innerHash.set(mapNode(l, r), at);
        this.innerFlags[i] = (this.innerFlags[i] as number) | HASHED;
      }
      return this.innerHash.subarray(at, at + 32);
    }
    const j = -ref - 1;
    const at = j * 32;
    if (((this.leafFlags[j] as number) & HASHED) === 0) {
      const value = mapValueHashOf(
        this.counts[j] as number,
        this.lastSeqs[j] as number,
        this.lastHashes.subarray(at, at + 32),
      );
      this.leafHash.set(mapLeaf(this.keys.subarray(at, at + 32), value), at);
      this.leafFlags[j] = (this.leafFlags[j] as number) | HASHED;
    }
    return this.leafHash.subarray(at, at + 32);
  }

  /** The leaf holding `key`, or −1. */
  private find(key: Uint8Array): number {
    let ref = this.root_;
    for (let depth = 0; ref > 0; depth++) {
      const i = ref - 1;
      ref = this.bit(key, 0, depth) === 0 ? (this.left[i] as number) : (this.right[i] as number);
    }
    if (ref === 0) return -1;
    const j = -ref - 1;
    return this.keyIs(j, key) ? j : -1;
  }

  /** The smallest subtree holding leaves `a` and `b` (different keys agreeing up to `depth`). */
  private split(a: number, b: number, depth: number): Ref {
    let d = depth;
    while (this.leafBit(a, d) === this.leafBit(b, d)) d++;
    const aRef = -a - 1;
    const bRef = -b - 1;
    let ref = this.leafBit(a, d) === 0 ? this.newInner(aRef, bRef) : this.newInner(bRef, aRef);
    for (let up = d - 1; up >= depth; up--)
      ref = this.leafBit(a, up) === 0 ? this.newInner(ref, 0) : this.newInner(0, ref);
    return ref;
  }

  private attach(inner: number, side: number, child: Ref): void {
    if (side === 0) this.left[inner] = child;
    else this.right[inner] = child;
  }

  private bit(bytes: Uint8Array, offset: number, i: number): number {
    return ((bytes[offset + (i >> 3)] as number) >> (7 - (i & 7))) & 1;
  }

  private leafBit(leaf: number, i: number): number {
    return this.bit(this.keys, leaf * 32, i);
  }

  private keyIs(leaf: number, key: Uint8Array): boolean {
    const at = leaf * 32;
    for (let b = 0; b < 32; b++) if (this.keys[at + b] !== key[b]) return false;
    return true;
  }

  private newLeaf(key: Uint8Array, count: number, lastSeq: number, hash: Uint8Array): number {
    const j = this.leaves++;
    if (j === this.counts.length) {
      const n = j * 2;
      this.keys = grown(this.keys, n * 32);
      this.counts = grown(this.counts, n);
      this.lastSeqs = grown(this.lastSeqs, n);
      this.lastHashes = grown(this.lastHashes, n * 32);
      this.leafHash = grown(this.leafHash, n * 32);
      this.leafFlags = grown(this.leafFlags, n);
    }
    this.keys.set(key.subarray(0, 32), j * 32);
    this.counts[j] = count;
    this.lastSeqs[j] = lastSeq;
    this.lastHashes.set(hash, j * 32);
    this.leafFlags[j] = UNSAVED;
    return j;
  }

  private newInner(left: Ref, right: Ref): Ref {
    const i = this.inners++;
    if (i === this.left.length) {
      const n = i * 2;
      this.left = grown(this.left, n);
      this.right = grown(this.right, n);
      this.innerHash = grown(this.innerHash, n * 32);
      this.innerFlags = grown(this.innerFlags, n);
    }
    this.left[i] = left;
    this.right[i] = right;
    this.innerFlags[i] = UNSAVED;
    return i + 1;
  }
}

function same(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
