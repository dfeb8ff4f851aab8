import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { DaichoError, decodeWith, type StoredEvent } from "@daicho/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";

/**
 * The backup file format `daicho-backup/v1` (docs/operations.md): UTF-8 text, one JSON
 * object per line. Line 1 is the header, then one line per event in sequence order, then
 * a trailer whose `sha256` is the SHA-256 of every byte before the trailer line. The
 * trailer catches a truncated or damaged file; the events' own hash chain (and the latest
 * checkpoint, where one exists) is what proves the content.
 */
export const BACKUP_FORMAT = "daicho-backup/v1";

const Head = t.type({ seq: t.number, hash: t.string });

export const BackupHeader = t.type({
  format: t.literal(BACKUP_FORMAT),
  tenant: t.string,
  ledgerId: t.string,
  createdAt: t.string,
  envelopeVersion: t.number,
  head: t.union([Head, t.null]),
  count: t.number,
  takenAt: t.string,
});
export type BackupHeader = t.TypeOf<typeof BackupHeader>;

const EventLine = t.type({
  seq: t.number,
  id: t.string,
  type: t.string,
  recordedAt: t.string,
  subjects: t.array(t.string),
  prevHash: t.string,
  hash: t.string,
  body: t.string,
});

const Trailer = t.type({ end: t.literal(true), count: t.number, sha256: t.string });

/** Serialise one event as its backup line (with the newline). */
export function eventLine(e: StoredEvent): string {
  return `${JSON.stringify({
    seq: e.seq,
    id: e.id,
    type: e.type,
    recordedAt: e.recordedAt,
    subjects: e.subjects,
    prevHash: e.prevHash,
    hash: e.hash,
    body: e.body,
  })}\n`;
}

/** A running digest of the lines written so far, and the trailer that seals them. */
export class BackupDigest {
  private readonly hash = createHash("sha256");
  count = 0;
  update(line: string): void {
    this.hash.update(line, "utf8");
  }
  /** The SHA-256 of everything fed so far (finishes the digest: call once). */
  hex(): string {
    return this.hash.digest("hex");
  }
  trailer(): string {
    return `${JSON.stringify({ end: true, count: this.count, sha256: this.hex() })}\n`;
  }
}

function invalid(reason: string, path: string): DaichoError {
  return new DaichoError("BACKUP_INVALID", reason, { path });
}

function decodeLine<A>(codec: t.Type<A, unknown, unknown>, line: string, path: string): A {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    throw invalid("line is not JSON", path);
  }
  const result = decodeWith(codec, value, path);
  if (E.isLeft(result)) throw invalid(result.left.reason, result.left.path ?? path);
  return result.right;
}

/**
 * Read a backup file: the decoded header, and its events as a lazy stream. The stream
 * checks every line's shape, and at the end that the trailer is present, counts the same
 * events as the header and matches the SHA-256 of the file; it throws `BACKUP_INVALID`
 * otherwise. Memory stays flat in the file's size.
 */
export async function openBackup(
  file: string,
): Promise<{ header: BackupHeader; events: AsyncIterable<StoredEvent> }> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const iterator = lines[Symbol.asyncIterator]();
  const first = await iterator.next();
  if (first.done === true) {
    lines.close();
    throw invalid("file is empty", file);
  }
  const header = decodeLine(BackupHeader, first.value, `${file}:1`);
  const digest = new BackupDigest();
  digest.update(`${first.value}\n`);
  async function* events(): AsyncIterable<StoredEvent> {
    let lineNo = 1;
    try {
      for (;;) {
        const next = await iterator.next();
        lineNo++;
        if (next.done === true)
          throw invalid("file ends without its trailer (truncated)", `${file}:${lineNo}`);
        const line = next.value;
        if (line.startsWith('{"end"')) {
          const trailer = decodeLine(Trailer, line, `${file}:${lineNo}`);
          if (trailer.count !== digest.count || trailer.count !== header.count) {
            throw invalid("event count does not match the header and trailer", `${file}:${lineNo}`);
          }
          if (trailer.sha256 !== digest.hex()) {
            throw invalid("file digest does not match its trailer (damaged)", `${file}:${lineNo}`);
          }
          if ((await iterator.next()).done !== true)
            throw invalid("data after the trailer", `${file}:${lineNo + 1}`);
          return;
        }
        digest.update(`${line}\n`);
        digest.count++;
        yield decodeLine(EventLine, line, `${file}:${lineNo}`);
      }
    } finally {
      lines.close();
    }
  }
  return { header, events: events() };
}
