/**
 * The per-subject state `verify` keeps while it walks the chain (the back-link check, then
 * the subject-index check): for every subject, its latest event's sequence number and
 * hash, how many events name it, and its first. Held in typed arrays instead of one
 * `Map` entry, object and hex string per subject: an open-addressing hash table (linear
 * probing, at most half full) of entry numbers, and per entry the subject id's UTF-8
 * bytes in a shared arena, a 32-bit hash of them, three float64 numbers and the raw
 * 32-byte event hash. About 64 bytes plus the id's length per subject, plus the table and
 * the arrays' doubling headroom. Keys are compared byte for byte after the hash matches,
 * so two ids that collide on the hash stay two subjects. Subjects are never removed.
 */

const INITIAL = 256;
const HEX = "0123456789abcdef";
/** `HEX_CODE[n]` is the character code of hex digit n; `HEX_VALUE` the inverse (or -1). */
const HEX_CODE = Uint8Array.from(HEX, (c) => c.charCodeAt(0));
const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) HEX_VALUE[HEX_CODE[i] as number] = i;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

function grown<T extends Uint8Array | Uint32Array | Int32Array | Float64Array>(
  a: T,
  length: number,
): T {
  const b = new (a.constructor as new (n: number) => T)(length);
  b.set(a);
  return b;
}

/** FNV-1a over `bytes[0, length)`, then murmur3's finalizer so linear probing spreads. */
export function keyHash(bytes: Uint8Array, length: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < length; i++) h = Math.imul(h ^ (bytes[i] as number), 0x01000193);
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return (h ^ (h >>> 16)) >>> 0;
}

export class SubjectTallies {
  private entries = 0;
  /** Slot → entry number + 1 (0: empty); the length is a power of two. */
  private slots = new Int32Array(INITIAL * 2);
  private keyHashes = new Uint32Array(INITIAL);
  /** Entry e's id is `arena[keyStart[e], keyStart[e + 1])`. */
  private keyStart = new Uint32Array(INITIAL + 1);
  private arena = new Uint8Array(INITIAL * 16);
  private lastSeqs = new Float64Array(INITIAL);
  private counts = new Float64Array(INITIAL);
  private firsts = new Float64Array(INITIAL);
  private lastHashes = new Uint8Array(INITIAL * 32);
  /** The id being looked up, UTF-8 encoded (grown on demand). */
  private scratch = new Uint8Array(256);
  private scratchLength = 0;
  private scratchHash = 0;

  /** Subjects tallied. */
  get size(): number {
    return this.entries;
  }

  /** Bytes held by the arrays (capacity, not only what is used). */
  get bytes(): number {
    return (
      this.slots.byteLength +
      this.keyHashes.byteLength +
      this.keyStart.byteLength +
      this.arena.byteLength +
      this.lastSeqs.byteLength * 3 +
      this.lastHashes.byteLength +
      this.scratch.byteLength
    );
  }

  /**
   * The subject-link check of one back-link in event `seq` (hash `hash`, 64 lower-case hex
   * digits): a subject seen before must be linked with exactly its latest event's `prevSeq`
   * and `prevHash`, a new one with neither. When it holds, `seq` becomes the subject's
   * latest event and true is returned; otherwise nothing changes and false is returned.
   */
  link(id: string, prevSeq: unknown, prevHash: unknown, seq: number, hash: string): boolean {
    const e = this.find(id);
    if (e < 0) {
      if (prevSeq !== undefined || prevHash !== undefined) return false;
      this.insertScratch(~e, seq, hash);
      return true;
    }
    if (prevSeq !== this.lastSeqs[e] || !this.hasHash(e, prevHash)) return false;
    this.setHash(e, hash);
    this.lastSeqs[e] = seq;
    this.counts[e] = (this.counts[e] as number) + 1;
    return true;
  }

  /**
   * The entry number of subject `id` (0 ≤ n < size, in order of first appearance), or, when
   * it is not tallied, a negative number (the complement of the free slot it would take).
   */
  find(id: string): number {
    this.encode(id);
    const mask = this.slots.length - 1;
    const length = this.scratchLength;
    for (let slot = this.scratchHash & mask; ; slot = (slot + 1) & mask) {
      const ref = this.slots[slot] as number;
      if (ref === 0) return ~slot;
      const e = ref - 1;
      if (this.keyHashes[e] === this.scratchHash && this.keyIs(e, length)) return e;
    }
  }

  /** Entry `e`'s latest event. */
  lastSeq(e: number): number {
    return this.lastSeqs[e] as number;
  }

  /** How many events name entry `e`'s subject. */
  count(e: number): number {
    return this.counts[e] as number;
  }

  /** Entry `e`'s first event. */
  first(e: number): number {
    return this.firsts[e] as number;
  }

  /** Entry `e`'s latest event hash, in hex. */
  lastHash(e: number): string {
    let s = "";
    for (let i = e * 32; i < e * 32 + 32; i++) {
      const b = this.lastHashes[i] as number;
      s += HEX[b >> 4] + (HEX[b & 15] as string);
    }
    return s;
  }

  /** Entry `e`'s subject id. */
  id(e: number): string {
    return decoder.decode(this.arena.subarray(this.keyStart[e], this.keyStart[e + 1]));
  }

  /** An independent copy (the incremental verifier keeps its held state unchanged). */
  copy(): SubjectTallies {
    const c = new SubjectTallies();
    c.entries = this.entries;
    c.slots = this.slots.slice();
    c.keyHashes = this.keyHashes.slice();
    c.keyStart = this.keyStart.slice();
    c.arena = this.arena.slice();
    c.lastSeqs = this.lastSeqs.slice();
    c.counts = this.counts.slice();
    c.firsts = this.firsts.slice();
    c.lastHashes = this.lastHashes.slice();
    return c;
  }

  private encode(id: string): void {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit.
    if (id.length * 3 > this.scratch.length) this.scratch = new Uint8Array(id.length * 3);
    this.scratchLength = encoder.encodeInto(id, this.scratch).written;
    this.scratchHash = keyHash(this.scratch, this.scratchLength);
  }

  private keyIs(e: number, length: number): boolean {
    const start = this.keyStart[e] as number;
    if ((this.keyStart[e + 1] as number) - start !== length) return false;
    const arena = this.arena;
    const scratch = this.scratch;
    for (let i = 0; i < length; i++) if (arena[start + i] !== scratch[i]) return false;
    return true;
  }

  private hasHash(e: number, hex: unknown): boolean {
    if (typeof hex !== "string" || hex.length !== 64) return false;
    const bytes = this.lastHashes;
    for (let i = 0; i < 32; i++) {
      const b = bytes[e * 32 + i] as number;
      if (
        hex.charCodeAt(2 * i) !== HEX_CODE[b >> 4] ||
        hex.charCodeAt(2 * i + 1) !== HEX_CODE[b & 15]
      ) {
        return false;
      }
    }
    return true;
  }

  private setHash(e: number, hex: string): void {
    // Never thrown from verify: event hashes are recomputed, always lower-case hex.
    const bad = () => new RangeError("an event hash is 64 lower-case hex digits");
    if (hex.length !== 64) throw bad();
    const bytes = this.lastHashes;
    for (let i = 0; i < 32; i++) {
      const hi = HEX_VALUE[hex.charCodeAt(2 * i)] ?? -1;
      const lo = HEX_VALUE[hex.charCodeAt(2 * i + 1)] ?? -1;
      if (hi < 0 || lo < 0) throw bad();
      bytes[e * 32 + i] = (hi << 4) | lo;
    }
  }

  /** Add the id in `scratch` as a new entry at free slot `slot`. */
  private insertScratch(slot: number, seq: number, hash: string): void {
    const e = this.entries;
    if (e === this.keyHashes.length) this.growEntries();
    const start = this.keyStart[e] as number;
    const end = start + this.scratchLength;
    if (end > this.arena.length) this.growArena(end);
    this.arena.set(this.scratch.subarray(0, this.scratchLength), start);
    this.keyStart[e + 1] = end;
    this.keyHashes[e] = this.scratchHash;
    this.lastSeqs[e] = seq;
    this.counts[e] = 1;
    this.firsts[e] = seq;
    this.setHash(e, hash);
    this.entries = e + 1;
    if (this.entries * 2 > this.slots.length) this.rehash();
    else this.slots[slot] = e + 1;
  }

  private growEntries(): void {
    const n = this.keyHashes.length * 2;
    this.keyHashes = grown(this.keyHashes, n);
    this.keyStart = grown(this.keyStart, n + 1);
    this.lastSeqs = grown(this.lastSeqs, n);
    this.counts = grown(this.counts, n);
    this.firsts = grown(this.firsts, n);
    this.lastHashes = grown(this.lastHashes, n * 32);
  }

  private growArena(needed: number): void {
    if (needed > 0xffffffff) throw new RangeError("subject ids take more than 4 GiB");
    let n = this.arena.length * 2;
    while (n < needed) n *= 2;
    this.arena = grown(this.arena, Math.min(n, 0xffffffff));
  }

  /** Double the table and re-place every entry (by its stored hash: no id re-encoded). */
  private rehash(): void {
    const slots = new Int32Array(this.slots.length * 2);
    const mask = slots.length - 1;
    for (let e = 0; e < this.entries; e++) {
      let slot = (this.keyHashes[e] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = e + 1;
    }
    this.slots = slots;
  }
}
