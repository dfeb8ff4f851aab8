/**
 * PostgreSQL's binary `COPY` format (the "PGCOPY" file format of the `COPY` reference
 * page), for the two kinds of column the event tables hold: `bigint` and `text` /
 * `text[]`. Binary rather than text format because text COPY must escape every
 * backslash, tab and newline of a JSON body, while binary fields are length-prefixed
 * bytes that PostgreSQL takes as they are. Pure: rows in, one Buffer out.
 */

/** One field: a bigint (a safe integer or a decimal string), a text, or a text array. */
export type CopyField = number | string | readonly string[];

const SIGNATURE = Buffer.from("PGCOPY\n\xff\r\n\0", "latin1");
const TEXT_OID = 25;

/**
 * Encode `rows` (each with the same number of fields, in the COPY's column order) as one
 * binary COPY stream: header, tuples, trailer. Numbers are `bigint`s (8 bytes, big-endian),
 * strings `text`, arrays one-dimensional `text[]` without NULLs. `kinds` names each
 * column's type so a string key (a bigint read back from PostgreSQL) encodes as a bigint.
 */
export function encodeCopyBinary(
  kinds: readonly ("bigint" | "text" | "text[]")[],
  rows: readonly (readonly CopyField[])[],
): Buffer {
  let size = SIGNATURE.length + 8 + 2;
  for (const row of rows) {
    size += 2;
    kinds.forEach((kind, i) => {
      size += 4 + fieldSize(kind, row[i] as CopyField);
    });
  }
  const buf = Buffer.allocUnsafe(size);
  let at = SIGNATURE.copy(buf, 0);
  at = buf.writeInt32BE(0, at); // flags: no OIDs
  at = buf.writeInt32BE(0, at); // header extension length
  for (const row of rows) {
    at = buf.writeInt16BE(kinds.length, at);
    kinds.forEach((kind, i) => {
      at = writeField(buf, at, kind, row[i] as CopyField);
    });
  }
  at = buf.writeInt16BE(-1, at);
  return buf;
}

function fieldSize(kind: "bigint" | "text" | "text[]", v: CopyField): number {
  if (kind === "bigint") return 8;
  if (kind === "text") return Buffer.byteLength(v as string, "utf8");
  const items = v as readonly string[];
  // ndim, has-null flag, element oid, then (length, lower bound) per dimension.
  let n = items.length === 0 ? 12 : 20;
  for (const item of items) n += 4 + Buffer.byteLength(item, "utf8");
  return n;
}

function writeField(
  buf: Buffer,
  start: number,
  kind: "bigint" | "text" | "text[]",
  v: CopyField,
): number {
  let at = start;
  if (kind === "bigint") {
    at = buf.writeInt32BE(8, at);
    return buf.writeBigInt64BE(BigInt(v as number | string), at);
  }
  if (kind === "text") {
    const len = buf.write(v as string, at + 4, "utf8");
    buf.writeInt32BE(len, at);
    return at + 4 + len;
  }
  const items = v as readonly string[];
  const lengthAt = at;
  at += 4;
  at = buf.writeInt32BE(items.length === 0 ? 0 : 1, at);
  at = buf.writeInt32BE(0, at);
  at = buf.writeInt32BE(TEXT_OID, at);
  if (items.length > 0) {
    at = buf.writeInt32BE(items.length, at);
    at = buf.writeInt32BE(1, at);
  }
  for (const item of items) {
    const len = buf.write(item, at + 4, "utf8");
    buf.writeInt32BE(len, at);
    at += 4 + len;
  }
  buf.writeInt32BE(at - lengthAt - 4, lengthAt);
  return at;
}
