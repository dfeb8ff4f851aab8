import { DaichoError } from "../errors";
import { bytesToHex } from "../hash";
import { eventLeafData } from "../merkle/hash";
import { putU64 } from "./hash";
import type { MapRecord } from "./record";

/** Encoded length of an interior node: kind byte ‖ left ‖ right. */
const NODE_BYTES = 1 + 32 + 32;
/** Encoded length of a leaf: kind byte ‖ key ‖ u64be(count) ‖ u64be(lastSeq) ‖ lastHash. */
const LEAF_BYTES = 1 + 32 + 8 + 8 + 32;

/** The u64be at `at`, or undefined when it exceeds 2^53 − 1. */
function getU64(view: DataView, at: number): number | undefined {
  const hi = view.getUint32(at);
  if (hi >= 2 ** 21) return undefined;
  return hi * 2 ** 32 + view.getUint32(at + 4);
}

/**
 * The bytes a durable map store keeps for one record (spec §12.9): `0x00 ‖ left ‖ right`
 * for an interior node, `0x01 ‖ key ‖ u64be(count) ‖ u64be(lastSeq) ‖ lastHash` for a
 * leaf. Shared by the SQLite and PostgreSQL stores so both read and write one layout.
 */
export function encodeMapRecord(record: MapRecord): Uint8Array {
  const out = new Uint8Array(mapRecordLength(record));
  encodeMapRecordInto(record, out, 0);
  return out;
}

/** The length of `record`'s encoding: 65 bytes for an interior node, 81 for a leaf. */
export function mapRecordLength(record: MapRecord): number {
  return record.kind === "node" ? NODE_BYTES : LEAF_BYTES;
}

/** The length of an encoded record whose first byte is `kind`; undefined for no known kind. */
export function mapRecordLengthOf(kind: number | undefined): number | undefined {
  return kind === 0 ? NODE_BYTES : kind === 1 ? LEAF_BYTES : undefined;
}

/**
 * `encodeMapRecord` written into `out` at `at` (no allocation: a store encoding thousands
 * of records into one buffer); returns the offset after it.
 */
export function encodeMapRecordInto(record: MapRecord, out: Uint8Array, at: number): number {
  if (record.kind === "node") {
    out[at] = 0;
    out.set(record.left, at + 1);
    out.set(record.right, at + 33);
    return at + NODE_BYTES;
  }
  out[at] = 1;
  out.set(record.key, at + 1);
  putU64(out, at + 33, record.state.count);
  putU64(out, at + 41, record.state.lastSeq);
  out.set(eventLeafData(record.state.lastHash), at + 49);
  return at + LEAF_BYTES;
}

/**
 * The record `bytes` encode. A stored record is a copy nobody signed, so anything else
 * than the two layouts (a wrong length, an unknown kind byte, a count or seq beyond 2^53)
 * is refused with STORE_CORRUPT rather than read; a well-formed but edited record is
 * caught later, when its hash is checked against its parent's.
 */
export function decodeMapRecord(bytes: Uint8Array): MapRecord {
  const kind = bytes[0];
  if (kind === 0 && bytes.length === NODE_BYTES) {
    return { kind: "node", left: bytes.slice(1, 33), right: bytes.slice(33, 65) };
  }
  if (kind === 1 && bytes.length === LEAF_BYTES) {
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const count = getU64(view, 33);
    const lastSeq = getU64(view, 41);
    if (count !== undefined && lastSeq !== undefined) {
      return {
        kind: "leaf",
        key: bytes.slice(1, 33),
        state: {
          count,
          lastSeq,
          lastHash: bytesToHex(bytes.subarray(49, 81)),
        },
      };
    }
  }
  throw new DaichoError(
    "STORE_CORRUPT",
    "a stored subject-map record is malformed: run `daicho verify`; the map is derived data and is rebuilt from the events when its tables are emptied",
  );
}
