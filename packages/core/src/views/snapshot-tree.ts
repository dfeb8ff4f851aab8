import { DaichoError } from "../errors";

/**
 * The binary body of a views snapshot v3 (docs/spec.md §14.3): a table of the distinct
 * strings, then one tagged value tree. It carries exactly what `JSON.stringify` of the
 * views' state would (plain objects, arrays, strings, finite numbers, booleans, null), in
 * a third of the bytes: ids and labels repeat millions of times and are written once.
 *
 * The encoder writes into one growing buffer (no per-field allocation, no JSON text); the
 * decoder reads hostile bytes: every count, length and index is checked against what is
 * left of the input before anything is allocated, and a failure is a `BodyError` naming
 * the byte offset, never a crash or a half-read tree.
 */

/** Value tags (§14.3). */
export const TAG = {
  null: 0x00,
  false: 0x01,
  true: 0x02,
  uint: 0x03,
  negint: 0x04,
  float64: 0x05,
  string: 0x06,
  array: 0x07,
  object: 0x08,
} as const;

/** Deepest nesting accepted (the views' state nests 7 levels; a hostile file may nest millions). */
export const MAX_DEPTH = 64;
const MAX_VARINT_BYTES = 8;

/** A malformed body: where and why (the caller turns it into a `DECODE_ERROR`). */
export class BodyError extends Error {
  constructor(
    readonly offset: number,
    readonly reason: string,
  ) {
    super(reason);
  }
}

/** A growing byte buffer written front to back; `bytes()` is a view of what was written. */
export class ByteWriter {
  protected buf: Uint8Array;
  private view: DataView;
  pos = 0;

  constructor(initial = 1 << 16) {
    this.buf = new Uint8Array(initial);
    this.view = new DataView(this.buf.buffer);
  }

  /** Make room for `n` more bytes (doubling, so appends are amortised O(1)). */
  ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.pos));
    this.buf = next;
    this.view = new DataView(next.buffer);
  }

  byte(b: number): void {
    this.ensure(1);
    this.buf[this.pos++] = b;
  }

  /** Unsigned LEB128 of an integer in [0, 2^53 − 1], shortest form. */
  varint(n: number): void {
    this.ensure(MAX_VARINT_BYTES);
    if (n < 0x80) {
      this.buf[this.pos++] = n;
      return;
    }
    const buf = this.buf;
    let pos = this.pos;
    while (n >= 0x80) {
      buf[pos++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    buf[pos++] = n;
    this.pos = pos;
  }

  float64(x: number): void {
    this.ensure(8);
    this.view.setFloat64(this.pos, x, true);
    this.pos += 8;
  }

  raw(bytes: Uint8Array): void {
    this.ensure(bytes.length);
    this.buf.set(bytes, this.pos);
    this.pos += bytes.length;
  }

  /** UTF-8 of a well-formed string; returns its byte length. */
  utf8(s: string): number {
    const start = this.pos;
    this.ensure(s.length);
    const buf = this.buf;
    let pos = start;
    for (let i = 0; i < s.length; i++) {
      const c = s.charCodeAt(i);
      if (c >= 0x80) return this.utf8Slow(s, start);
      buf[pos++] = c;
    }
    this.pos = pos;
    return pos - start;
  }

  private utf8Slow(s: string, start: number): number {
    if (LONE_SURROGATE.test(s)) {
      // TextEncoder would write U+FFFD and the restore would hold another string.
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "a view holds a string with a lone UTF-16 surrogate: it cannot be snapshotted as UTF-8",
        { path: "views" },
      );
    }
    this.pos = start;
    this.ensure(s.length * 3);
    const { written } = encoder.encodeInto(s, this.buf.subarray(start));
    this.pos = start + written;
    return written;
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.pos);
  }
}

const encoder = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/**
 * Encode a JSON-safe value tree as a v3 body. Mirrors `JSON.stringify`: an `undefined`
 * member is left out, `undefined` in an array and a non-finite number are written as null,
 * −0 as 0. Anything JSON would change silently (a Map, a Date, a bigint, a class instance,
 * a lone surrogate) is refused with `INVALID_ARGUMENT`: a view's `toSnapshot` is wrong.
 */
export function encodeTree(root: unknown): Uint8Array {
  const tree = new SnapshotWriter();
  tree.value(root, 0);
  return tree.body();
}

/**
 * The value tree's writer. Measured choices (docs/benchmarks.md, "views snapshot v3"):
 * one capacity check per value, `for…in` rather than `Object.keys` (no array per object),
 * and string ids kept in a null-prototype object rather than a `Map` — V8 internalises a
 * string used as a property key, so the millions of repeated ids compare by pointer.
 *
 * A view writes its own maps through it (`writeSnapshot`) with `array`, `object`, `key` and
 * `pairs`, and hands plain leaves to `value`: the bytes are those `encodeTree` gives for
 * the view's `toSnapshot()`, without building that tree first.
 */
export class SnapshotWriter extends ByteWriter {
  private readonly ids: Record<string, number> = Object.create(null);
  readonly strings: string[] = [];

  constructor() {
    super(1 << 20);
  }

  private stringId(s: string): number {
    let id = this.ids[s];
    if (id === undefined) {
      id = this.strings.length;
      this.ids[s] = id;
      this.strings.push(s);
    }
    return id;
  }

  /** The body: string table, then everything written so far (call once, at the end). */
  body(): Uint8Array {
    const table = new ByteWriter(1 << 16);
    const lengths = new ByteWriter(1 << 12);
    for (const s of this.strings) lengths.varint(table.utf8(s));
    const out = new ByteWriter(this.pos + table.pos + lengths.pos + 24);
    out.varint(this.strings.length);
    out.varint(table.pos);
    out.raw(lengths.bytes());
    out.raw(table.bytes());
    out.raw(this.bytes());
    return out.bytes();
  }

  /** The head of an array of `n` values (the caller writes them, at `depth` + 1). */
  array(n: number, depth: number): void {
    if (depth >= MAX_DEPTH) throw unsupported(`nesting deeper than ${MAX_DEPTH}`);
    this.ensure(1 + MAX_VARINT_BYTES);
    this.buf[this.pos++] = TAG.array;
    this.varint(n);
  }

  /** The head of an object of `n` members, each then a `key` and a value (no `undefined`). */
  object(n: number, depth: number): void {
    if (depth >= MAX_DEPTH) throw unsupported(`nesting deeper than ${MAX_DEPTH}`);
    this.ensure(1 + MAX_VARINT_BYTES);
    this.buf[this.pos++] = TAG.object;
    this.varint(n);
  }

  /** An object member's key. */
  key(k: string): void {
    this.varint(this.stringId(k));
  }

  /** Member `k` of an object at `depth`, unless `v` is undefined (count it with {@link defined}). */
  member(k: string, v: unknown, depth: number): void {
    if (v === undefined) return;
    this.key(k);
    this.value(v, depth + 1);
  }

  /** A map as `[...m]` would be written: an array of `[key, value]` pairs at `depth`. */
  pairs(m: ReadonlyMap<unknown, unknown>, depth: number): void {
    this.pairsWith(m, depth, (v, d) => this.value(v, d));
  }

  /** As {@link SnapshotWriter.pairs}, each value written by `write` (at `depth` + 2). */
  pairsWith<K, V>(m: ReadonlyMap<K, V>, depth: number, write: (v: V, depth: number) => void): void {
    this.array(m.size, depth);
    for (const [k, v] of m) {
      this.array(2, depth + 1);
      this.value(k, depth + 2);
      write(v, depth + 2);
    }
  }

  value(v: unknown, depth: number): void {
    this.ensure(1 + 2 * MAX_VARINT_BYTES);
    if (typeof v === "string") {
      this.buf[this.pos++] = TAG.string;
      this.varint(this.stringId(v));
    } else if (typeof v === "number") {
      this.number(v);
    } else if (typeof v === "boolean") {
      this.buf[this.pos++] = v ? TAG.true : TAG.false;
    } else if (v === null || v === undefined) {
      this.buf[this.pos++] = TAG.null;
    } else if (typeof v !== "object") {
      throw unsupported(typeof v);
    } else if (depth >= MAX_DEPTH) {
      throw unsupported(`nesting deeper than ${MAX_DEPTH}`);
    } else if (Array.isArray(v)) {
      this.buf[this.pos++] = TAG.array;
      this.varint(v.length);
      for (let i = 0; i < v.length; i++) this.value(v[i], depth + 1);
    } else {
      this.plainObject(v as Record<string, unknown>, depth);
    }
  }

  private plainObject(o: Record<string, unknown>, depth: number): void {
    const proto = Object.getPrototypeOf(o);
    if (proto !== Object.prototype && proto !== null) throw unsupported("a non-plain object");
    this.buf[this.pos++] = TAG.object;
    // The member count is known only after the walk: one byte is kept for it and, in the
    // rare object of 128 members or more, the members are moved up to fit a longer varint.
    const countAt = this.pos++;
    let n = 0;
    for (const k in o) {
      const member = o[k];
      if (member === undefined) continue;
      n++;
      this.varint(this.stringId(k));
      this.value(member, depth + 1);
    }
    if (n < 0x80) {
      this.buf[countAt] = n;
      return;
    }
    const end = this.pos;
    const extra = varintLength(n) - 1;
    this.ensure(extra);
    this.buf.copyWithin(countAt + 1 + extra, countAt + 1, end);
    this.pos = countAt;
    this.varint(n); // exactly 1 + extra bytes
    this.pos = end + extra;
  }

  private number(v: number): void {
    if (Number.isSafeInteger(v)) {
      if (v >= 0) {
        this.buf[this.pos++] = TAG.uint;
        this.varint(v); // −0 is a safe integer ≥ 0 and is written as 0, as JSON does
      } else {
        this.buf[this.pos++] = TAG.negint;
        this.varint(-v);
      }
    } else if (Number.isFinite(v)) {
      this.buf[this.pos++] = TAG.float64;
      this.float64(v);
    } else {
      this.buf[this.pos++] = TAG.null; // JSON.stringify(NaN) === "null"
    }
  }
}

/** 1 when `v` is a member JSON keeps, else 0: for an object's count before `member`s. */
export function defined(v: unknown): number {
  return v === undefined ? 0 : 1;
}

function varintLength(n: number): number {
  let len = 1;
  while (n >= 0x80) {
    n = Math.floor(n / 0x80);
    len++;
  }
  return len;
}

function unsupported(what: string): DaichoError {
  return new DaichoError(
    "INVALID_ARGUMENT",
    `a view's snapshot state holds ${what}, which JSON would not keep: fix that view's toSnapshot`,
    { path: "views" },
  );
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/** Reads a header or body; every method throws `BodyError` rather than read past `end`. */
export class ByteReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
  ) {
    this.pos = start;
  }

  fail(reason: string, at = this.pos): never {
    throw new BodyError(at, reason);
  }

  byte(): number {
    if (this.pos >= this.end) this.fail("truncated");
    return this.buf[this.pos++] as number;
  }

  /** Unsigned LEB128, shortest form, at most 2^53 − 1. */
  varint(): number {
    const at = this.pos;
    let n = 0;
    let scale = 1;
    for (let i = 0; i < MAX_VARINT_BYTES; i++) {
      if (this.pos >= this.end) this.fail("truncated varint", at);
      const b = this.buf[this.pos++] as number;
      n += (b & 0x7f) * scale;
      if (b < 0x80) {
        if (b === 0 && i > 0) this.fail("varint not in shortest form", at);
        if (n > Number.MAX_SAFE_INTEGER) this.fail("varint above 2^53 - 1", at);
        return n;
      }
      scale *= 0x80;
    }
    return this.fail("varint longer than 8 bytes", at);
  }

  /** Length-prefixed UTF-8 text (a header field), its length checked before it is read. */
  text(what: string): string {
    const at = this.pos;
    const n = this.varint();
    if (n > this.end - this.pos) this.fail(`${what} longer than the rest of the input`, at);
    const start = this.pos;
    this.pos += n;
    try {
      return utf8.decode(this.buf.subarray(start, start + n));
    } catch {
      return this.fail(`${what} is not UTF-8`, start);
    }
  }

  /** A count of items each at least `minBytes` long: refused when the rest cannot hold them. */
  count(minBytes: number, what: string): number {
    const at = this.pos;
    const n = this.varint();
    if (n * minBytes > this.end - this.pos)
      this.fail(`${what} larger than the rest of the body`, at);
    return n;
  }
}

/**
 * Decode a v3 body at `buf[start, end)` back to the value tree `encodeTree` was given
 * (after JSON's normalisations). Throws `BodyError` on any malformed byte: truncation, an
 * over-long or non-minimal varint, a count or length larger than the rest of the input, a
 * string index outside the table, invalid UTF-8, an unknown tag, a non-canonical number,
 * a duplicate key, nesting deeper than {@link MAX_DEPTH}, or bytes after the root value.
 */
export function decodeTree(buf: Uint8Array, start: number, end: number): unknown {
  const r = new ByteReader(buf, start, end);
  const strings = readTable(r);
  const root = readValue(r, strings, 0);
  if (r.pos !== end) r.fail("bytes after the root value");
  return root;
}

function readTable(r: ByteReader): string[] {
  const count = r.count(1, "string count");
  const blobLen = r.count(1, "string table length");
  const lengths = new Array<number>(count);
  let sum = 0;
  for (let i = 0; i < count; i++) {
    const at = r.pos;
    const n = r.varint();
    sum += n;
    if (sum > blobLen) r.fail("string lengths exceed the table length", at);
    lengths[i] = n;
  }
  if (sum !== blobLen) r.fail("string lengths do not add up to the table length");
  if (blobLen > r.end - r.pos) r.fail("string table larger than the rest of the body");
  const blobStart = r.pos;
  const blob = r.buf.subarray(blobStart, blobStart + blobLen);
  r.pos += blobLen;
  const strings = new Array<string>(count);
  let text: string;
  try {
    text = utf8.decode(blob);
  } catch {
    return r.fail("string table is not UTF-8", blobStart);
  }
  let at = 0;
  if (text.length === blobLen) {
    // Every byte was one UTF-16 unit: all ASCII, so byte offsets are string offsets.
    for (let i = 0; i < count; i++) {
      const n = lengths[i] as number;
      strings[i] = text.slice(at, at + n);
      at += n;
    }
    return strings;
  }
  for (let i = 0; i < count; i++) {
    const n = lengths[i] as number;
    try {
      strings[i] = utf8.decode(blob.subarray(at, at + n));
    } catch {
      r.fail(`string ${i} is not UTF-8 on its own`, blobStart + at);
    }
    at += n;
  }
  return strings;
}

function readValue(r: ByteReader, strings: readonly string[], depth: number): unknown {
  const at = r.pos;
  const tag = r.byte();
  switch (tag) {
    case TAG.null:
      return null;
    case TAG.false:
      return false;
    case TAG.true:
      return true;
    case TAG.uint:
      return r.varint();
    case TAG.negint: {
      const m = r.varint();
      if (m === 0) r.fail("negative zero integer (0 is written as uint)", at);
      return -m;
    }
    case TAG.float64:
      return readFloat(r, at);
    case TAG.string:
      return readString(r, strings);
  }
  if (tag !== TAG.array && tag !== TAG.object) r.fail(`unknown value tag ${tag}`, at);
  if (depth >= MAX_DEPTH) r.fail(`nested deeper than ${MAX_DEPTH}`, at);
  if (tag === TAG.array) {
    const n = r.count(1, "array length");
    const out: unknown[] = [];
    for (let i = 0; i < n; i++) out.push(readValue(r, strings, depth + 1));
    return out;
  }
  const n = r.count(2, "object size");
  const out: Record<string, unknown> = {};
  for (let i = 0; i < n; i++) {
    const keyAt = r.pos;
    const key = readString(r, strings);
    if (Object.hasOwn(out, key)) r.fail("duplicate object key", keyAt);
    const v = readValue(r, strings, depth + 1);
    // `__proto__` as JSON.parse makes it: an own member, never the object's prototype.
    if (key === "__proto__")
      Object.defineProperty(out, key, {
        value: v,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    else out[key] = v;
  }
  return out;
}

function readString(r: ByteReader, strings: readonly string[]): string {
  const at = r.pos;
  const id = r.varint();
  if (id >= strings.length) r.fail(`string index ${id} outside a table of ${strings.length}`, at);
  return strings[id] as string;
}

function readFloat(r: ByteReader, at: number): number {
  if (r.end - r.pos < 8) r.fail("truncated float64", at);
  const view = new DataView(r.buf.buffer, r.buf.byteOffset + r.pos, 8);
  const x = view.getFloat64(0, true);
  r.pos += 8;
  // One encoding per value: integers are varints, and JSON has no NaN or Infinity.
  if (!Number.isFinite(x)) r.fail("float64 is not finite", at);
  if (Number.isSafeInteger(x) || Object.is(x, -0)) r.fail("float64 holds a safe integer", at);
  return x;
}
