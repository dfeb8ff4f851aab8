import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import { DaichoError, ledgerMismatch } from "../errors";
import { bytesToHex, sha256Bytes, utf8ToBytes } from "../hash";
import { throwing } from "../plain";
import { Views, type ViewsState } from "./view-set";

/** Format tag of a views snapshot (docs/views-and-decisions.md §5). */
export const SNAPSHOT_FORMAT = "daicho/views-snapshot/v1" as const;
const DIGEST_TAG = "daicho/views-snapshot/v1";

/** Header of a snapshot: which ledger, which event it reflects, and a digest of the state. */
export interface SnapshotHeader {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly ledgerId: string;
  /** Last event folded in (-1: none). */
  readonly seq: number;
  /** Hash of that event; the runner checks it against the ledger before catching up. */
  readonly hash: string | null;
  readonly createdAt: string;
  /** SHA-256("daicho/views-snapshot/v1" ‖ 0x00 ‖ UTF-8(JSON text of `views`)), hex. */
  readonly digest: string;
}

const Header = t.type({
  format: t.literal(SNAPSHOT_FORMAT),
  ledgerId: t.string,
  seq: t.number,
  hash: t.union([t.string, t.null]),
  createdAt: t.string,
  digest: t.string,
  views: t.UnknownRecord,
});

/** Same domain separation as every other Daichō hash: SHA-256(tag ‖ 0x00 ‖ message). */
function digestOf(viewsJson: string): string {
  const tag = utf8ToBytes(DIGEST_TAG);
  const body = utf8ToBytes(viewsJson);
  const message = new Uint8Array(tag.length + 1 + body.length);
  message.set(tag, 0);
  message.set(body, tag.length + 1);
  return bytesToHex(sha256Bytes(message));
}

/**
 * Serialise every view to snapshot text. The text holds identifiers, labels, field names
 * and times — what the views hold — and never a sealed or plaintext personal value, so a
 * snapshot does not resurrect data after crypto-shredding.
 */
export function encodeSnapshot(views: Views, ledgerId: string, now: Date = new Date()): string {
  const viewsJson = JSON.stringify(views.state());
  const header: SnapshotHeader = {
    format: SNAPSHOT_FORMAT,
    ledgerId,
    seq: views.at.seq,
    hash: views.at.hash ?? null,
    createdAt: now.toISOString(),
    digest: digestOf(viewsJson),
  };
  // The views' JSON is spliced in verbatim so the digest covers exactly those bytes.
  const head = JSON.stringify(header);
  return `${head.slice(0, -1)},"views":${viewsJson}}`;
}

/** The header of a snapshot without restoring it (cheap checks before a restore). */
export function snapshotHeader(text: string): E.Either<DaichoError, SnapshotHeader> {
  return pipe(
    parseJson(text),
    E.chain((json) => decodeWith(Header, json, "$")),
    E.map(({ views: _views, ...header }) => header as SnapshotHeader),
  );
}

/**
 * Restore views from snapshot text. Fails with `DECODE_ERROR` when the text is not a
 * well-formed snapshot, `LEDGER_MISMATCH` when it belongs to another ledger, and
 * `STORE_CORRUPT` when the digest does not match its content.
 */
export function decodeSnapshot(
  text: string,
  ledgerId?: string,
): E.Either<DaichoError, { views: Views; header: SnapshotHeader }> {
  return pipe(
    parseJson(text),
    E.chain((json) => decodeWith(Header, json, "$")),
    E.chain((snap) => {
      if (ledgerId !== undefined && snap.ledgerId !== ledgerId) {
        return E.left(ledgerMismatch("snapshot", snap.ledgerId, ledgerId));
      }
      if (digestOf(JSON.stringify(snap.views)) !== snap.digest) {
        return E.left(
          new DaichoError("STORE_CORRUPT", "snapshot digest does not match its views", {
            path: "$.digest",
          }),
        );
      }
      const position = snap.hash === null ? { seq: snap.seq } : { seq: snap.seq, hash: snap.hash };
      const { views: state, ...header } = snap;
      return pipe(
        Views.fromState(state as unknown as ViewsState, position),
        E.map((views) => ({ views, header: header as SnapshotHeader })),
      );
    }),
  );
}

function parseJson(text: string): E.Either<DaichoError, unknown> {
  try {
    return E.right(JSON.parse(text));
  } catch {
    return E.left(new DaichoError("DECODE_ERROR", "snapshot is not JSON", { path: "$" }));
  }
}

/**
 * Plain form of {@link snapshotHeader} (no fp-ts needed): returns the snapshot's header,
 * or throws `DECODE_ERROR`.
 */
export const snapshotHeaderOrThrow = throwing(snapshotHeader);

/**
 * Plain form of {@link decodeSnapshot} (no fp-ts needed): returns the restored views, or
 * throws `DECODE_ERROR` / `LEDGER_MISMATCH` / `STORE_CORRUPT`.
 */
export const decodeSnapshotOrThrow = throwing(decodeSnapshot);
