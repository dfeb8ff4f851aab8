import { equalBytes } from "@noble/ciphers/utils.js";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError, ledgerMismatch } from "../errors";
import { bytesToHex, utf8ToBytes } from "../hash";
import { BodyError, ByteReader, ByteWriter, decodeTree, SnapshotWriter } from "./snapshot-tree";
import {
  authFailure,
  corrupt,
  SNAPSHOT_BINARY_FORMAT,
  SNAPSHOT_KEY_BYTES,
  type SnapshotAuth,
  type SnapshotHeader,
  type SnapshotTrust,
  shortKey,
  snapshotTag,
} from "./snapshot-trust";
import { Views, type ViewsState } from "./view-set";

/**
 * Views snapshot v3 (docs/spec.md §14): a binary frame — format tag, header, body, tag —
 * MACed as one byte string. It replaces the v2 JSON text where size and time matter
 * (at 10^6 events: 28 instead of 81 MiB; docs/benchmarks.md), and is restored through the
 * same checks in the same order: ledger, how it was authenticated, the tag in constant time,
 * then the body, then each view's io-ts codec.
 */

/** "daicho/views-snapshot/v3" ‖ 0x00: the first 25 bytes of every v3 snapshot. */
export const V3_MAGIC = utf8ToBytes(`${SNAPSHOT_BINARY_FORMAT}\u0000`);
/** Any Daichō snapshot format tag starts with this (for a precise error on other versions). */
const FAMILY = utf8ToBytes("daicho/views-snapshot/");
const AUTH_BYTES: Record<SnapshotAuth, number> = { "hmac-sha256": 0x01, sha256: 0x02 };
const TAG_BYTES = 32;
/** Latest instant a `Date` can hold (ECMA-262 §21.4.1.22), in ms. */
const MAX_TIME = 8.64e15;

/** True when `bytes` begin with the v3 format tag. */
export function isBinarySnapshot(bytes: Uint8Array): boolean {
  return startsWith(bytes, V3_MAGIC);
}

/**
 * Serialise every view to a v3 snapshot, MACed under `key` (without one, the tag is a
 * plain SHA-256 and a restore must opt in with `trustUnkeyedSnapshot`). Holds what the v2
 * text holds — identifiers, labels, field names, times — and never a personal value.
 * Throws `INVALID_ARGUMENT` for a short key, a time before 1970, or a view state JSON
 * could not carry either (see `encodeTree`). The body is written from the views' maps
 * (`Views.writeSnapshot`): the bytes `encodeTree(views.state())` would give.
 */
export function encodeBinarySnapshot(
  views: Views,
  ledgerId: string,
  now: Date = new Date(),
  key?: Uint8Array,
): Uint8Array {
  return frameBinarySnapshot(views, ledgerId, now, key, (w) => views.writeSnapshot(w));
}

/** The v3 frame around a body `write` puts into a fresh writer (tests pass the tree walk). */
export function frameBinarySnapshot(
  views: Views,
  ledgerId: string,
  now: Date,
  key: Uint8Array | undefined,
  write: (w: SnapshotWriter) => void,
): Uint8Array {
  if (key !== undefined && key.length < SNAPSHOT_KEY_BYTES) throw shortKey("snapshotKey");
  const createdAt = now.getTime();
  if (!Number.isSafeInteger(createdAt) || createdAt < 0) {
    throw new DaichoError("INVALID_ARGUMENT", "snapshot time must be a valid date from 1970 on", {
      path: "now",
    });
  }
  const writer = new SnapshotWriter();
  write(writer);
  const body = writer.body();
  const head = new ByteWriter(256);
  head.raw(V3_MAGIC);
  head.byte(AUTH_BYTES[key === undefined ? "sha256" : "hmac-sha256"]);
  const id = utf8ToBytes(ledgerId);
  head.varint(id.length);
  head.raw(id);
  head.varint(views.at.seq + 1);
  const hash = utf8ToBytes(views.at.hash ?? "");
  head.varint(hash.length);
  head.raw(hash);
  head.varint(createdAt);
  head.varint(body.length);
  const out = new Uint8Array(head.pos + body.length + TAG_BYTES);
  out.set(head.bytes(), 0);
  out.set(body, head.pos);
  const macEnd = head.pos + body.length;
  out.set(snapshotTag(out.subarray(0, macEnd), key), macEnd);
  return out;
}

/** A parsed v3 header and where its body lies (not yet authenticated). */
interface Frame {
  readonly header: SnapshotHeader;
  readonly bodyStart: number;
  readonly bodyEnd: number;
}

/** The header of a v3 snapshot without restoring it; NOT authenticated. */
export function binarySnapshotHeader(bytes: Uint8Array): E.Either<DaichoError, SnapshotHeader> {
  const frame = parseFrame(bytes);
  return E.isLeft(frame) ? frame : E.right(frame.right.header);
}

/**
 * Restore views from v3 bytes. Fails with `DECODE_ERROR` (not v3, another version,
 * truncated, a malformed header or body), `LEDGER_MISMATCH` (another ledger),
 * `KEY_UNAVAILABLE` (MACed, no key given) and `STORE_CORRUPT` (the tag does not verify, or
 * unkeyed and not trusted). The tag is compared in constant time before the body is read.
 */
export function decodeBinarySnapshot(
  bytes: Uint8Array,
  ledgerId?: string,
  trust: SnapshotTrust = {},
): E.Either<DaichoError, { views: Views; header: SnapshotHeader }> {
  if (trust.key !== undefined && trust.key.length < SNAPSHOT_KEY_BYTES) {
    return E.left(shortKey("snapshotKey"));
  }
  const frame = parseFrame(bytes);
  if (E.isLeft(frame)) return frame;
  const { header, bodyStart, bodyEnd } = frame.right;
  if (ledgerId !== undefined && header.ledgerId !== ledgerId) {
    return E.left(ledgerMismatch("snapshot", header.ledgerId, ledgerId));
  }
  const refused = authFailure(header, trust, `byte ${V3_MAGIC.length}`);
  if (refused !== undefined) return E.left(refused);
  const expected = snapshotTag(bytes.subarray(0, bodyEnd), trust.key);
  if (!equalBytes(bytes.subarray(bodyEnd), expected)) {
    return E.left(
      corrupt(
        "snapshot tag does not verify (edited, another key): delete it and let the projector rebuild",
        `byte ${bodyEnd}`,
      ),
    );
  }
  let state: unknown;
  try {
    state = decodeTree(bytes, bodyStart, bodyEnd);
  } catch (e) {
    if (e instanceof BodyError) return E.left(malformed(`snapshot body: ${e.reason}`, e.offset));
    throw e;
  }
  if (typeof state !== "object" || state === null || Array.isArray(state)) {
    return E.left(malformed("snapshot body: the root is not an object of views", bodyStart));
  }
  const position =
    header.hash === null ? { seq: header.seq } : { seq: header.seq, hash: header.hash };
  const views = Views.fromState(state as ViewsState, position);
  return E.isLeft(views) ? views : E.right({ views: views.right, header });
}

function parseFrame(bytes: Uint8Array): E.Either<DaichoError, Frame> {
  if (!startsWith(bytes, V3_MAGIC)) {
    return E.left(
      startsWith(bytes, FAMILY)
        ? malformed("unknown views snapshot format version: this build reads v2 and v3", 0)
        : malformed("not a binary views snapshot (no daicho/views-snapshot/v3 tag)", 0),
    );
  }
  try {
    return E.right(readHeader(bytes));
  } catch (e) {
    if (e instanceof BodyError) return E.left(malformed(`snapshot header: ${e.reason}`, e.offset));
    throw e;
  }
}

function readHeader(bytes: Uint8Array): Frame {
  const r: ByteReader = new ByteReader(bytes, V3_MAGIC.length, bytes.length);
  const authAt = r.pos;
  const authByte = r.byte();
  const auth = authByte === 0x01 ? "hmac-sha256" : authByte === 0x02 ? "sha256" : undefined;
  if (auth === undefined) r.fail(`unknown auth byte ${authByte}`, authAt);
  const ledgerId = r.text("ledger id");
  const seq = r.varint() - 1;
  const hash = r.text("hash");
  const timeAt = r.pos;
  const createdAt = r.varint();
  if (createdAt > MAX_TIME) r.fail("createdAt is beyond any valid date", timeAt);
  const lengthAt = r.pos;
  const bodyLength = r.varint();
  const bodyStart = r.pos;
  if (bodyStart + bodyLength + TAG_BYTES !== bytes.length) {
    r.fail(
      bodyStart + bodyLength + TAG_BYTES > bytes.length
        ? "truncated (shorter than its body length and tag)"
        : "bytes after the tag",
      lengthAt,
    );
  }
  return {
    header: {
      format: SNAPSHOT_BINARY_FORMAT,
      ledgerId,
      seq,
      hash: hash === "" ? null : hash,
      createdAt: new Date(createdAt).toISOString(),
      auth,
      tag: bytesToHex(bytes.subarray(bytes.length - TAG_BYTES)),
    },
    bodyStart,
    bodyEnd: bodyStart + bodyLength,
  };
}

function malformed(reason: string, offset: number): DaichoError {
  return new DaichoError(
    "DECODE_ERROR",
    `${reason}: delete the snapshot and let the projector rebuild`,
    { path: `byte ${offset}` },
  );
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  if (bytes.length < prefix.length) return false;
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}
