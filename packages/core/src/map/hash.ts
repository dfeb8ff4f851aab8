import { DaichoError } from "../errors";
import { utf8ToBytes } from "../hash";
import { eventLeafData } from "../merkle/hash";
import { sha256Digest } from "../sha256";

/**
 * Subject-map hashing (docs/spec.md §12.2): every hash is SHA-256(tag ‖ 0x00 ‖ message)
 * with one tag per kind of input, so a key, a value, a leaf and a node can never be
 * confused; `EMPTY` (32 zero bytes) is the hash of an empty subtree and is no hash's output.
 * SHA-256 is `sha256Digest` (`../sha256.ts`: native where the runtime has it, noble elsewhere).
 */
export const MAP_TAGS = {
  key: "daicho/map-key/v1",
  value: "daicho/map-value/v1",
  leaf: "daicho/map-leaf/v1",
  node: "daicho/map-node/v1",
} as const;

/** The hash of an empty subtree: 32 zero bytes. */
export const EMPTY: Uint8Array = new Uint8Array(32);

/** Bits of a map key (SHA-256 output). */
export const KEY_BITS = 256;

/** A subject's latest state at a tree size (spec §12.1). */
export interface MapState {
  /** Events about the subject before the size (≥ 1). */
  readonly count: number;
  /** The largest of their sequence numbers. */
  readonly lastSeq: number;
  /** Its event hash, 64 lower-case hex digits. */
  readonly lastHash: string;
}

const prefixes = Object.fromEntries(
  Object.entries(MAP_TAGS).map(([k, tag]) => {
    const label = utf8ToBytes(tag);
    const p = new Uint8Array(label.length + 1);
    p.set(label);
    return [k, p];
  }),
) as Record<keyof typeof MAP_TAGS, Uint8Array>;

function tagged(kind: keyof typeof MAP_TAGS, ...parts: Uint8Array[]): Uint8Array {
  const prefix = prefixes[kind];
  let length = prefix.length;
  for (const p of parts) length += p.length;
  const buf = new Uint8Array(length);
  buf.set(prefix);
  let at = prefix.length;
  for (const p of parts) {
    buf.set(p, at);
    at += p.length;
  }
  return sha256Digest(buf);
}

/**
 * Reused inputs for the fixed-size hashes (tag ‖ 0x00 ‖ 64 or 48 bytes): hashing is
 * synchronous, so one buffer per kind serves every call, and a checkpoint hashing ten
 * thousand nodes allocates no input for them. Inputs of other sizes go through `tagged`.
 */
function scratch(kind: keyof typeof MAP_TAGS, room: number): { buf: Uint8Array; at: number } {
  const prefix = prefixes[kind];
  const buf = new Uint8Array(prefix.length + room);
  buf.set(prefix);
  return { buf, at: prefix.length };
}
const nodeInput = scratch("node", 64);
const leafInput = scratch("leaf", 64);
const valueInput = scratch("value", 48);

/** `tagged(kind, a, b)` for two 32-byte parts, through `input`. */
function tagged32x2(input: { buf: Uint8Array; at: number }, a: Uint8Array, b: Uint8Array) {
  input.buf.set(a, input.at);
  input.buf.set(b, input.at + 32);
  return sha256Digest(input.buf);
}

/** key(s) = H("daicho/map-key/v1", UTF-8(s)): where subject `s` sits in the map. */
export function mapKey(subject: string): Uint8Array {
  return tagged("key", utf8ToBytes(subject));
}

function checkU64(n: number, what: string): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new DaichoError("INVALID_ARGUMENT", `${what} must be a non-negative safe integer`, {
      path: what,
    });
}

/**
 * u64be(n) into `out` at `at`, for a safe integer n (checked by the caller): two 32-bit
 * halves, no BigInt, no DataView. Shared with the record encoding (`record-bytes.ts`).
 */
export function putU64(out: Uint8Array, at: number, n: number): void {
  const hi = Math.floor(n / 2 ** 32);
  const lo = n >>> 0;
  out[at] = hi >>> 24;
  out[at + 1] = (hi >>> 16) & 0xff;
  out[at + 2] = (hi >>> 8) & 0xff;
  out[at + 3] = hi & 0xff;
  out[at + 4] = lo >>> 24;
  out[at + 5] = (lo >>> 16) & 0xff;
  out[at + 6] = (lo >>> 8) & 0xff;
  out[at + 7] = lo & 0xff;
}

function u64be(n: number, what: string): Uint8Array {
  checkU64(n, what);
  const out = new Uint8Array(8);
  putU64(out, 0, n);
  return out;
}

/** valueHash = H("daicho/map-value/v1", u64be(count) ‖ u64be(lastSeq) ‖ lastHash bytes). */
export function mapValueHash(state: MapState): Uint8Array {
  return mapValueHashOf(state.count, state.lastSeq, eventLeafData(state.lastHash));
}

/** `mapValueHash` of a state given as its parts, `lastHash` as its 32 bytes. */
export function mapValueHashOf(count: number, lastSeq: number, lastHash: Uint8Array): Uint8Array {
  if (lastHash.length !== 32)
    return tagged("value", u64be(count, "count"), u64be(lastSeq, "lastSeq"), lastHash);
  checkU64(count, "count");
  checkU64(lastSeq, "lastSeq");
  const { buf, at } = valueInput;
  putU64(buf, at, count);
  putU64(buf, at + 8, lastSeq);
  buf.set(lastHash, at + 16);
  return sha256Digest(buf);
}

/** leaf(k, vh) = H("daicho/map-leaf/v1", k ‖ vh). */
export function mapLeaf(key: Uint8Array, valueHash: Uint8Array): Uint8Array {
  if (key.length !== 32 || valueHash.length !== 32) return tagged("leaf", key, valueHash);
  return tagged32x2(leafInput, key, valueHash);
}

/** node(l, r) = H("daicho/map-node/v1", l ‖ r); a child is `EMPTY` when its subtree is. */
export function mapNode(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== 32 || right.length !== 32) return tagged("node", left, right);
  return tagged32x2(nodeInput, left, right);
}

/** Bit `i` of a key, most significant first (spec §12.2). */
export function keyBit(key: Uint8Array, i: number): 0 | 1 {
  return (((key[i >> 3] as number) >> (7 - (i & 7))) & 1) as 0 | 1;
}

/** True when `a` and `b` agree on their first `bits` bits. */
export function samePrefix(a: Uint8Array, b: Uint8Array, bits: number): boolean {
  const whole = bits >> 3;
  for (let i = 0; i < whole; i++) if (a[i] !== b[i]) return false;
  const rest = bits & 7;
  if (rest === 0) return true;
  const mask = (0xff << (8 - rest)) & 0xff;
  return (((a[whole] as number) ^ (b[whole] as number)) & mask) === 0;
}

/** True for 32 zero bytes. */
export function isEmptyHash(h: Uint8Array): boolean {
  if (h.length !== 32) return false;
  for (let i = 0; i < 32; i++) if (h[i] !== 0) return false;
  return true;
}
