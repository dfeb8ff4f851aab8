import { DaichoError } from "@daicho/core";
import {
  compareBytes,
  decodeMapRecord,
  encodeMapRecordInto,
  MAP_PATH_MAX_BYTES,
  MAP_PATH_MIN_BYTES,
  type MapRecord,
  type MapWrite,
  mapRecordLength,
  mapRecordLengthOf,
} from "@daicho/core/map";

/**
 * One map version kept whole in one row of `daicho_map_tail` (spec §12.9) until the tail
 * is merged into the indexed records table: `u32be n ‖ n × (u16be pathLength ‖ path ‖
 * record)`, entries in strictly ascending path order (bytewise, a shorter prefix first:
 * SQLite's BLOB order), each record as `encodeMapRecord` writes it, whose first byte says
 * its length (0x00: 65 bytes, 0x01: 81). A version written as one sequential row costs a
 * few pages of a B-tree; its records written one by one into a table keyed by path touch
 * a random page each.
 */

/** The shortest entry: a path length, the shortest path and the shortest record. */
const SHORTEST_ENTRY = 2 + MAP_PATH_MIN_BYTES + (mapRecordLengthOf(0) as number);

/** The tail row of a version: its writes sorted by path (the input is not changed). */
export function encodeTail(writes: readonly MapWrite[]): Uint8Array {
  const sorted = [...writes].sort((x, y) => compareBytes(x.path, y.path));
  return tailRow(
    sorted,
    (w) => mapRecordLength(w.record),
    (w, out, at) => encodeMapRecordInto(w.record, out, at),
  );
}

/** A tail row of `entries` as given: records already encoded, paths already in order. */
export function encodeTailEntries(
  entries: readonly { readonly path: Uint8Array; readonly record: Uint8Array }[],
): Uint8Array {
  return tailRow(
    entries,
    (e) => e.record.length,
    (e, out, at) => {
      out.set(e.record, at);
      return at + e.record.length;
    },
  );
}

/** The row layout over `items`: each one's path, then its record as `put` writes it. */
function tailRow<T extends { readonly path: Uint8Array }>(
  items: readonly T[],
  recordLength: (item: T) => number,
  put: (item: T, out: Uint8Array, at: number) => number,
): Uint8Array {
  let length = 4;
  for (const item of items) length += 2 + item.path.length + recordLength(item);
  const out = new Uint8Array(length);
  const view = new DataView(out.buffer);
  view.setUint32(0, items.length);
  let at = 4;
  for (const item of items) {
    view.setUint16(at, item.path.length);
    out.set(item.path, at + 2);
    at = put(item, out, at + 2 + item.path.length);
  }
  return out;
}

function corrupt(version: number, why: string): DaichoError {
  return new DaichoError(
    "STORE_CORRUPT",
    `the stored subject map's version ${version} (table daicho_map_tail) is malformed: ${why}; the map is derived data: run \`daicho verify\`, then rebuild the map from the events`,
  );
}

/**
 * The number of records a tail row says it holds: its first 4 bytes (`head`, at least the
 * count), checked against the row's `length` in bytes (the whole of `head` by default).
 */
export function tailCount(head: Uint8Array, version: number, length = head.length): number {
  if (head.length < 4 || length < 4) throw corrupt(version, "shorter than its 4-byte count");
  const n = new DataView(head.buffer, head.byteOffset, head.byteLength).getUint32(0);
  // A count beyond what the bytes can hold is a lie.
  if (n > (length - 4) / SHORTEST_ENTRY) throw corrupt(version, "count too large");
  return n;
}

/**
 * A decoded tail row: where each entry's path and record sit, checked once (lengths, kinds,
 * strict path order, nothing left over), so lookups are binary searches over the bytes.
 */
export class TailVersion {
  readonly size: number;
  private readonly pathAt: Int32Array;
  private readonly recordAt: Int32Array;

  private readonly bytes: Uint8Array;

  constructor(
    readonly version: number,
    stored: Uint8Array,
  ) {
    // A plain view (a row comes as a Buffer): what it hands out never carries Buffer's
    // own toString/toJSON.
    const bytes = new Uint8Array(stored.buffer, stored.byteOffset, stored.byteLength);
    this.bytes = bytes;
    const n = tailCount(bytes, version);
    this.size = n;
    this.pathAt = new Int32Array(n + 1);
    this.recordAt = new Int32Array(n);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let at = 4;
    for (let i = 0; i < n; i++) {
      if (at + 2 > bytes.length) throw corrupt(version, `entry ${i} is cut short`);
      const length = view.getUint16(at);
      if (length < MAP_PATH_MIN_BYTES || length > MAP_PATH_MAX_BYTES)
        throw corrupt(version, `entry ${i}'s path length`);
      this.pathAt[i] = at;
      const record = at + 2 + length;
      const size = mapRecordLengthOf(bytes[record]);
      if (size === undefined || record + size > bytes.length)
        throw corrupt(version, `entry ${i}'s record is cut short or of no known kind`);
      this.recordAt[i] = record;
      if (i > 0 && compareBytes(this.path(i - 1), this.path(i)) >= 0)
        throw corrupt(version, `entry ${i} is out of path order or repeats a path`);
      at = record + size;
    }
    if (at !== bytes.length) throw corrupt(version, "bytes after its last entry");
    this.pathAt[n] = at;
  }

  /** Entry `i`'s path (a view). */
  path(i: number): Uint8Array {
    const at = this.pathAt[i] as number;
    const length = ((this.bytes[at] as number) << 8) | (this.bytes[at + 1] as number);
    return this.bytes.subarray(at + 2, at + 2 + length);
  }

  /** Entry `i`'s record as stored (a view): it ends where the next entry starts. */
  recordBytes(i: number): Uint8Array {
    return this.bytes.subarray(this.recordAt[i] as number, this.pathAt[i + 1] as number);
  }

  /** Entry `i`'s record, decoded (STORE_CORRUPT when its fields are out of range). */
  record(i: number): MapRecord {
    return decodeMapRecord(this.recordBytes(i));
  }

  /** The index of the entry at `path`, or −1. */
  find(path: Uint8Array): number {
    let lo = 0;
    let hi = this.size - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const c = compareBytes(this.path(mid), path);
      if (c === 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }

  /** The first index whose path sorts after `after` (0 for undefined). */
  firstAfter(after: Uint8Array | undefined): number {
    if (after === undefined) return 0;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareBytes(this.path(mid), after) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** Entries `from` (inclusive) to `to` (exclusive) as writes, paths copied. */
  writes(from = 0, to = this.size): MapWrite[] {
    const out: MapWrite[] = [];
    for (let i = from; i < Math.min(to, this.size); i++)
      out.push({ path: this.path(i).slice(), record: this.record(i) });
    return out;
  }
}
