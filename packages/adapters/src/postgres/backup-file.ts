import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { createInterface } from "node:readline";
import { DaichoError, decodeWith, type StoredEvent, StoredEventRecord } from "@daicho/core";
import type { Node, StoredCheckpoint } from "@daicho/core/merkle";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { nodeCount, nodesInPostOrder } from "./tree-position";

/**
 * The backup file format `daicho-backup/v2` (docs/operations.md): UTF-8 text, one JSON
 * object per line, in this order: the header; `header.checkpoints` checkpoint lines
 * (ascending size); `header.count` event lines (sequence order); the Merkle tree's
 * `2·treeSize − popcount(treeSize)` node lines in post-order (the order a tree built leaf
 * by leaf completes them, tree-position.ts); a trailer whose `sha256` is the SHA-256 of
 * every byte before the trailer line. The trailer catches a truncated or damaged file;
 * the events' hash chain and the signed checkpoints are what prove the content.
 * `daicho-backup/v1` files (header, events, trailer) are still read.
 */
export const BACKUP_FORMAT = "daicho-backup/v2";
/** The first format: events only, no tree, no checkpoints. Read, no longer written. */
export const BACKUP_FORMAT_V1 = "daicho-backup/v1";

const Head = t.type({ seq: t.number, hash: t.string });

const HeaderFields = {
  tenant: t.string,
  ledgerId: t.string,
  createdAt: t.string,
  envelopeVersion: t.number,
  head: t.union([Head, t.null]),
  count: t.number,
  takenAt: t.string,
};
const HeaderV1 = t.type({ format: t.literal(BACKUP_FORMAT_V1), ...HeaderFields });
const HeaderV2 = t.type({
  format: t.literal(BACKUP_FORMAT),
  ...HeaderFields,
  treeSize: t.number,
  checkpoints: t.number,
});

/** A backup's header; v1 headers read as `treeSize: 0, checkpoints: 0`. */
export type BackupHeader = Omit<t.TypeOf<typeof HeaderV2>, "format"> & {
  readonly format: typeof BACKUP_FORMAT | typeof BACKUP_FORMAT_V1;
};

const EventLine = StoredEventRecord;

const CheckpointLine = t.type({ size: t.number, note: t.string, createdAt: t.string });
const NodeLine = t.type({ level: t.number, index: t.number, hash: t.string });
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

/** Serialise one stored checkpoint as its backup line. */
export function checkpointLine(c: StoredCheckpoint): string {
  return `${JSON.stringify({ size: c.size, note: c.note, createdAt: c.createdAt })}\n`;
}

/** Serialise one tree node as its backup line (hash in lower-case hex). */
export function nodeLine(n: Node): string {
  return `${JSON.stringify({ level: n.level, index: n.index, hash: Buffer.from(n.hash).toString("hex") })}\n`;
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

const isCount = (n: number) => Number.isSafeInteger(n) && n >= 0;

/** Decode line 1; counts are checked here because every later read is sized by them. */
function decodeHeader(line: string, path: string): BackupHeader {
  const header = decodeLine(t.union([HeaderV2, HeaderV1]), line, path);
  const full: BackupHeader =
    header.format === BACKUP_FORMAT_V1 ? { ...header, treeSize: 0, checkpoints: 0 } : header;
  if (!isCount(full.count) || !isCount(full.treeSize) || !isCount(full.checkpoints))
    throw invalid("header counts must be non-negative integers", path);
  // The tree is built from the events: it cannot cover events the copy does not hold.
  if (full.treeSize > full.count) throw invalid("header tree size exceeds its event count", path);
  return full;
}

/** One item of a backup's body, in file order: every event, then every tree node. */
export type BackupItem =
  | { readonly kind: "event"; readonly event: StoredEvent }
  | { readonly kind: "node"; readonly node: Node };

/** An opened backup: header and checkpoints (read at once) and the rest as a lazy stream. */
export interface OpenedBackup {
  readonly header: BackupHeader;
  readonly checkpoints: readonly StoredCheckpoint[];
  /**
   * Events then nodes. Checks every line's shape and place (node lines must be exactly
   * the tree's nodes in post-order) and, once exhausted, the trailer: present, counting
   * the header's events, matching the file's SHA-256, last line. Throws BACKUP_INVALID.
   */
  readonly body: AsyncIterable<BackupItem>;
}

/**
 * Read a backup file (v2, or v1 which has neither tree nor checkpoints). Memory stays
 * flat in the number of events and nodes; checkpoints are held in memory.
 */
export async function openBackup(file: string): Promise<OpenedBackup> {
  const lines = createInterface({
    input: createReadStream(file, { encoding: "utf8" }),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  const iterator = lines[Symbol.asyncIterator]();
  const digest = new BackupDigest();
  let lineNo = 0;
  const nextLine = async (what: string): Promise<string> => {
    const next = await iterator.next();
    lineNo++;
    if (next.done === true) {
      lines.close();
      throw invalid(`file ends before its ${what} (truncated)`, `${file}:${lineNo}`);
    }
    return next.value;
  };
  const first = await nextLine("header");
  let header: BackupHeader;
  const checkpoints: StoredCheckpoint[] = [];
  try {
    header = decodeHeader(first, `${file}:1`);
    digest.update(`${first}\n`);
    for (let i = 0; i < header.checkpoints; i++) {
      const line = await nextLine("checkpoints");
      digest.update(`${line}\n`);
      const c = decodeLine(CheckpointLine, line, `${file}:${lineNo}`);
      const previous = checkpoints[checkpoints.length - 1];
      if (!isCount(c.size) || (previous !== undefined && c.size <= previous.size))
        throw invalid("checkpoint sizes must ascend", `${file}:${lineNo}`);
      checkpoints.push(c);
    }
  } catch (e) {
    lines.close();
    throw e;
  }
  async function* body(): AsyncIterable<BackupItem> {
    try {
      for (let i = 0; i < header.count; i++) {
        const line = await nextLine("events");
        digest.update(`${line}\n`);
        digest.count++;
        yield { kind: "event", event: decodeLine(EventLine, line, `${file}:${lineNo}`) };
      }
      const expected = nodesInPostOrder(header.treeSize);
      for (let i = 0; i < nodeCount(header.treeSize); i++) {
        const line = await nextLine("tree nodes");
        digest.update(`${line}\n`);
        const n = decodeLine(NodeLine, line, `${file}:${lineNo}`);
        const id = expected.next().value as { level: number; index: number };
        if (n.level !== id.level || n.index !== id.index || !/^[0-9a-f]{64}$/.test(n.hash))
          throw invalid(
            `expected tree node ${id.level}/${id.index} with a 32-byte hex hash`,
            `${file}:${lineNo}`,
          );
        yield { kind: "node", node: { ...id, hash: new Uint8Array(Buffer.from(n.hash, "hex")) } };
      }
      const line = await nextLine("trailer");
      const trailer = decodeLine(Trailer, line, `${file}:${lineNo}`);
      if (trailer.count !== digest.count || trailer.count !== header.count)
        throw invalid("event count does not match the header and trailer", `${file}:${lineNo}`);
      if (trailer.sha256 !== digest.hex())
        throw invalid("file digest does not match its trailer (damaged)", `${file}:${lineNo}`);
      if ((await iterator.next()).done !== true)
        throw invalid("data after the trailer", `${file}:${lineNo + 1}`);
    } finally {
      lines.close();
    }
  }
  return { header, checkpoints, body: body() };
}
