import { DaichoError } from "../errors";
import { bytesToHex } from "../hash";
import { eventLeafData } from "../merkle/hash";
import type { MapRecord } from "./record";

/** Encoded length of an interior node: kind byte ‖ left ‖ right. */
const NODE_BYTES = 1 + 32 + 32;
/** Encoded length of a leaf: kind byte ‖ key ‖ u64be(count) ‖ u64be(lastSeq) ‖ lastHash. */
const LEAF_BYTES = 1 + 32 + 8 + 8 + 32;

/**
 * The bytes a durable map store keeps for one record (spec §12.9): `0x00 ‖ left ‖ right`
 * for an interior node, `0x01 ‖ key ‖ u64be(count) ‖ u64be(lastSeq) ‖ lastHash` for a
 * leaf. Shared by the SQLite and PostgreSQL stores so both read and write one layout.
 */
export function encodeMapRecord(record: MapRecord): Uint8Array {
  if (record.kind === "node") {
    const out = new Uint8Array(NODE_BYTES);
    out.set(record.left, 1);
    out.set(record.right, 33);
    return out;
  }
  const out = new Uint8Array(LEAF_BYTES);
  const view = new DataView(out.buffer);
  out[0] = 1;
  out.set(record.key, 1);
  view.setBigUint64(33, BigInt(record.state.count));
  view.setBigUint64(41, BigInt(record.state.lastSeq));
  out.set(eventLeafData(record.state.lastHash), 49);
  return out;
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
    const count = view.getBigUint64(33);
    const lastSeq = view.getBigUint64(41);
    if (count <= BigInt(Number.MAX_SAFE_INTEGER) && lastSeq <= BigInt(Number.MAX_SAFE_INTEGER)) {
      return {
        kind: "leaf",
        key: bytes.slice(1, 33),
        state: {
          count: Number(count),
          lastSeq: Number(lastSeq),
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
