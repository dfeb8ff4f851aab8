import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as E from "fp-ts/lib/Either.js";
import type { EventInput } from "../events/input";
import { decodeSnapshot, deriveSnapshotKey, encodeBinarySnapshot } from "./snapshot";
import {
  SNAPSHOT_VECTOR_LEDGER,
  SNAPSHOT_VECTOR_SECRET,
  type SnapshotVector,
} from "./snapshot-vectors";
import { chainEvents } from "./test-history";
import { Views } from "./view-set";

const CREATED = new Date("2026-04-01T09:00:00.000Z");
const HISTORY: EventInput[] = [
  { type: "actor.onboarded", actor: { id: "hr" }, payload: { actorId: "alice" } },
  { type: "actor.onboarded", actor: { id: "hr" }, payload: { actorId: "bob" } },
  { type: "actor.offboarded", actor: { id: "hr" }, payload: { actorId: "alice" } },
];

/** One v3 snapshot (hex) and what `decodeSnapshot` must answer for it under the vectors' key. */
export interface BinarySnapshotVector extends Omit<SnapshotVector, "text"> {
  readonly hex: string;
  /** For "ok": the restored views' state as JSON, what an auditor's decoder must produce. */
  readonly state?: unknown;
}

/**
 * The frame of docs/spec.md §14.2 around any body, written independently of the encoder
 * (byte arrays, @noble/hashes): how the negatives get a valid tag over a hostile body, as
 * a writer holding the key — or a broken encoder — would produce.
 */
export function frameV3(
  body: Uint8Array,
  h: { format?: string; auth?: number; ledgerId: string; seq: number; hash: string | null },
  key?: Uint8Array,
): Uint8Array {
  const text = (s: string) => [...varint(Buffer.byteLength(s)), ...Buffer.from(s)];
  const head = [
    ...Buffer.from(h.format ?? "daicho/views-snapshot/v3"),
    0,
    h.auth ?? (key === undefined ? 2 : 1),
    ...text(h.ledgerId),
    ...varint(h.seq + 1),
    ...text(h.hash ?? ""),
    ...varint(CREATED.getTime()),
    ...varint(body.length),
  ];
  const m = Uint8Array.from([...head, ...body]);
  const tag = key === undefined ? sha256(m) : hmac(sha256, key, m);
  return Uint8Array.from([...m, ...tag]);
}

/** A body (§14.3) from a string table and the raw bytes of the root value. */
export function bodyV3(strings: readonly string[], root: readonly number[]): Uint8Array {
  const bytes = strings.map((s) => Buffer.from(s));
  const blob = bytes.flatMap((b) => [...b]);
  return Uint8Array.from([
    ...varint(strings.length),
    ...varint(blob.length),
    ...bytes.flatMap((b) => varint(b.length)),
    ...blob,
    ...root,
  ]);
}

/** Unsigned LEB128 (§14.1). */
export function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  out.push(n);
  return out;
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
/** The empty views' body: an object with no members. */
const EMPTY_ROOT = [0x08, 0x00];

/**
 * docs/vectors/snapshot-v3.json: the derived key (the same as v2's), genuine keyed and
 * unkeyed snapshots with the state they restore to, and negatives — forged or edited
 * frames, and well-MACed bodies a careless or hostile writer could produce.
 */
export function buildBinarySnapshotVectors() {
  const key = deriveSnapshotKey(SNAPSHOT_VECTOR_SECRET, SNAPSHOT_VECTOR_LEDGER);
  const events = chainEvents(HISTORY, SNAPSHOT_VECTOR_LEDGER);
  const early = new Views().applyAll(events.slice(0, 2));
  const all = new Views().applyAll(events);
  const good = encodeBinarySnapshot(early, SNAPSHOT_VECTOR_LEDGER, CREATED, key);
  const unkeyed = encodeBinarySnapshot(all, SNAPSHOT_VECTOR_LEDGER, CREATED);
  const at = { ledgerId: SNAPSHOT_VECTOR_LEDGER, seq: 1, hash: events[1]?.hash ?? null };
  const macedBody = (strings: string[], root: number[]) => frameV3(bodyV3(strings, root), at, key);
  const edit = (b: Uint8Array, i: number, value: number) => {
    const out = Uint8Array.from(b);
    out[i] = value;
    return out;
  };
  const alice = Buffer.from(good).indexOf(Buffer.from("alice"));
  const last = events[events.length - 1];
  // A later real position, keeping the genuine tag: what someone without the key can do.
  const moved = withTagOf(
    frameV3(bodyOf(good), { ...at, auth: 1, seq: 2, hash: last?.hash ?? null }),
    good,
  );
  const n = (name: string, bytes: Uint8Array, expect: string): BinarySnapshotVector => ({
    name,
    hex: hex(bytes),
    expect,
  });
  const vectors: BinarySnapshotVector[] = [
    { name: "genuine, keyed", hex: hex(good), expect: "ok", state: early.state() },
    {
      name: "genuine, unkeyed, restored with trustUnkeyedSnapshot",
      hex: hex(unkeyed),
      expect: "ok",
      unkeyedTrusted: true,
      state: all.state(),
    },
    n("unkeyed where a key is expected (downgrade)", unkeyed, "STORE_CORRUPT"),
    n(
      "tag's last byte flipped (wrong MAC)",
      edit(good, good.length - 1, (good[good.length - 1] as number) ^ 1),
      "STORE_CORRUPT",
    ),
    n("one string byte edited (alice → alicf)", edit(good, alice + 4, 0x66), "STORE_CORRUPT"),
    n("header moved to a later real event, tagged without the key", moved, "STORE_CORRUPT"),
    n(
      "MACed under another ledger's key",
      encodeBinarySnapshot(
        early,
        SNAPSHOT_VECTOR_LEDGER,
        CREATED,
        deriveSnapshotKey(SNAPSHOT_VECTOR_SECRET, "other.example/ledger"),
      ),
      "STORE_CORRUPT",
    ),
    n("truncated by one byte", good.slice(0, -1), "DECODE_ERROR"),
    n("truncated inside the body", good.slice(0, Math.floor(good.length / 2)), "DECODE_ERROR"),
    n("one byte appended", Uint8Array.from([...good, 0]), "DECODE_ERROR"),
    n(
      "wrong version (v4 tag, MACed)",
      frameV3(bodyOf(good), { ...at, format: "daicho/views-snapshot/v4" }, key),
      "DECODE_ERROR",
    ),
    n("unknown auth byte", frameV3(bodyOf(good), { ...at, auth: 3 }, key), "DECODE_ERROR"),
    n(
      "ledger id length 2^53 - 1",
      Uint8Array.from([...good.subarray(0, 26), ...varint(2 ** 53 - 1), ...good.subarray(27)]),
      "DECODE_ERROR",
    ),
    n("body length 2^32 (beyond the file)", frameLength(good, 2 ** 32), "DECODE_ERROR"),
    n(
      "string index out of range (MACed)",
      macedBody(["a"], [0x07, 0x01, 0x06, 0x01]),
      "DECODE_ERROR",
    ),
    n(
      "string count 2^53 - 1 (MACed)",
      frameV3(Uint8Array.from([...varint(2 ** 53 - 1), 0, ...EMPTY_ROOT]), at, key),
      "DECODE_ERROR",
    ),
    n(
      "string table length beyond the body (MACed)",
      frameV3(Uint8Array.from([1, ...varint(2 ** 40), 1, 0x61, ...EMPTY_ROOT]), at, key),
      "DECODE_ERROR",
    ),
    n(
      "array length 2^53 - 1 (MACed)",
      macedBody([], [0x07, ...varint(2 ** 53 - 1)]),
      "DECODE_ERROR",
    ),
    n(
      "varint longer than 8 bytes (MACed)",
      macedBody([], [0x03, ...Array(8).fill(0x80), 1]),
      "DECODE_ERROR",
    ),
    n("varint not in shortest form (MACed)", macedBody([], [0x08, 0x80, 0x00]), "DECODE_ERROR"),
    n(
      "nesting 65 deep (MACed)",
      macedBody([], [...Array(65).fill([0x07, 0x01]).flat(), 0x00]),
      "DECODE_ERROR",
    ),
    n(
      "string not UTF-8 (MACed)",
      frameV3(Uint8Array.from([1, 1, 1, 0xff, 0x06, 0x00]), at, key),
      "DECODE_ERROR",
    ),
    n(
      "duplicate object key (MACed)",
      macedBody(["a"], [0x08, 0x02, 0x00, 0x00, 0x00, 0x00]),
      "DECODE_ERROR",
    ),
    n("unknown value tag (MACed)", macedBody([], [0x09]), "DECODE_ERROR"),
    n("bytes after the root value (MACed)", macedBody([], [...EMPTY_ROOT, 0x00]), "DECODE_ERROR"),
    n(
      "float64 holding an integer (MACed)",
      macedBody([], [0x05, 0, 0, 0, 0, 0, 0, 0xf0, 0x3f]),
      "DECODE_ERROR",
    ),
    n(
      "a view section of the wrong type (MACed: actors = 5)",
      macedBody(["actors"], [0x08, 0x01, 0x00, 0x03, 0x05]),
      "DECODE_ERROR",
    ),
    n(
      "v2 text tag in a binary frame (MACed)",
      frameV3(bodyOf(good), { ...at, format: "daicho/views-snapshot/v2" }, key),
      "DECODE_ERROR",
    ),
  ];
  return {
    description:
      "Views snapshot v3 (docs/spec.md §14): binary frame; tag = HMAC-SHA256(K, every byte before the tag); K = HKDF-SHA256(secret, salt 'daicho/views-snapshot/v2', info ledgerId, 32), the same key as v2.",
    ledgerId: SNAPSHOT_VECTOR_LEDGER,
    secretHex: Buffer.from(SNAPSHOT_VECTOR_SECRET).toString("hex"),
    keyHex: Buffer.from(key).toString("hex"),
    vectors,
  };
}

/** The body of a frame this module or the encoder wrote (between header and tag). */
function bodyOf(frame: Uint8Array): Uint8Array {
  return frame.subarray(headerLength(frame), frame.length - 32);
}

/** Offset of the body: past the tag, auth byte, three length-prefixed/varint fields, time and length. */
function headerLength(frame: Uint8Array): number {
  let at = 26;
  const read = () => {
    let n = 0;
    let scale = 1;
    for (;;) {
      const b = frame[at++] as number;
      n += (b & 0x7f) * scale;
      if (b < 0x80) return n;
      scale *= 0x80;
    }
  };
  const idLength = read();
  at += idLength; // ledger id
  read(); // seq + 1
  const hashLength = read();
  at += hashLength; // hash
  read(); // createdAt
  read(); // body length
  return at;
}

/** `frame` with the body-length field replaced by `length` (the rest unchanged). */
function frameLength(frame: Uint8Array, length: number): Uint8Array {
  const end = headerLength(frame);
  let start = end - 1;
  while (start > 0 && ((frame[start - 1] as number) & 0x80) !== 0) start--;
  return Uint8Array.from([...frame.subarray(0, start), ...varint(length), ...frame.subarray(end)]);
}

/** `forged`'s bytes with `genuine`'s tag: an edit by someone without the key. */
function withTagOf(forged: Uint8Array, genuine: Uint8Array): Uint8Array {
  return Uint8Array.from([...forged.subarray(0, forged.length - 32), ...genuine.subarray(-32)]);
}

/** What `decodeSnapshot` answers for one vector: "ok" or the error code. */
export function binarySnapshotVectorOutcome(v: BinarySnapshotVector, key: Uint8Array): string {
  const trust = v.unkeyedTrusted === true ? { trustUnkeyedSnapshot: true } : { key };
  const r = decodeSnapshot(Buffer.from(v.hex, "hex"), SNAPSHOT_VECTOR_LEDGER, trust);
  if (E.isLeft(r)) return r.left.code;
  return JSON.stringify(r.right.views.state()) === JSON.stringify(v.state) ? "ok" : "WRONG_STATE";
}
