import { equalBytes } from "@noble/ciphers/utils.js";
import { hkdf } from "@noble/hashes/hkdf.js";
import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import { DaichoError, ledgerMismatch } from "../errors";
import { bytesToHex, hexToBytes, utf8ToBytes } from "../hash";
import { throwing } from "../plain";
import { Views, type ViewsState } from "./view-set";

/** Format tag of a views snapshot (docs/views-and-decisions.md §5). */
export const SNAPSHOT_FORMAT = "daicho/views-snapshot/v2" as const;
const V1_FORMAT = "daicho/views-snapshot/v1";
/** Shortest `snapshotKey` accepted, in bytes (HMAC-SHA256's block security). */
export const SNAPSHOT_KEY_BYTES = 32;

/** How a snapshot's `tag` was made: HMAC under the host's key, or a plain hash (torn files only). */
export type SnapshotAuth = "hmac-sha256" | "sha256";

/** Header of a snapshot: which ledger, which event it reflects, and the tag binding both to the views. */
export interface SnapshotHeader {
  readonly format: typeof SNAPSHOT_FORMAT;
  readonly ledgerId: string;
  /** Last event folded in (-1: none). */
  readonly seq: number;
  /** Hash of that event; the projector checks it against the ledger's stored bytes. */
  readonly hash: string | null;
  readonly createdAt: string;
  readonly auth: SnapshotAuth;
  /** MAC (or hash) of the header fields and the views' exact bytes, hex (see §5). */
  readonly tag: string;
}

/** What a restore trusts: the host's key, or (explicitly) an unkeyed snapshot. */
export interface SnapshotTrust {
  /** The key snapshots are MACed under ({@link deriveSnapshotKey}); at least 32 bytes. */
  readonly key?: Uint8Array;
  /**
   * Accept a snapshot written without a key. Its tag is a plain hash: anyone who can write
   * the file can forge it. Default false; ignored (refused) when `key` is given.
   */
  readonly trustUnkeyedSnapshot?: boolean;
}

const Header = t.type({
  format: t.literal(SNAPSHOT_FORMAT),
  ledgerId: t.string,
  seq: t.number,
  hash: t.union([t.string, t.null]),
  createdAt: t.string,
  auth: t.union([t.literal("hmac-sha256"), t.literal("sha256")]),
  tag: t.string,
  views: t.UnknownRecord,
});

/**
 * A snapshot key for one ledger from a host secret (HKDF-SHA256, salt
 * "daicho/views-snapshot/v2", info = UTF-8 ledger id): one secret can serve many ledgers
 * without their snapshots being interchangeable.
 */
export function deriveSnapshotKey(secret: Uint8Array, ledgerId: string): Uint8Array {
  if (secret.length < SNAPSHOT_KEY_BYTES) throw shortKey("secret");
  return hkdf(sha256, secret, utf8ToBytes(SNAPSHOT_FORMAT), utf8ToBytes(ledgerId), 32);
}

/** SNAPSHOT_FORMAT ‖ 0x00 ‖ JSON([format, ledgerId, seq, hash, createdAt, auth]) ‖ 0x00 ‖ V. */
function message(h: Omit<SnapshotHeader, "tag">, viewsJson: string): Uint8Array {
  const fields = JSON.stringify([h.format, h.ledgerId, h.seq, h.hash, h.createdAt, h.auth]);
  const parts = [utf8ToBytes(SNAPSHOT_FORMAT), utf8ToBytes(fields), utf8ToBytes(viewsJson)];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length + 1, -1));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length + 1; // the byte skipped stays 0x00 (JSON text never holds a raw NUL)
  }
  return out;
}

function tagOf(h: Omit<SnapshotHeader, "tag">, viewsJson: string, key?: Uint8Array): Uint8Array {
  const m = message(h, viewsJson);
  return key === undefined ? sha256(m) : hmac(sha256, key, m);
}

function shortKey(path: string): DaichoError {
  return new DaichoError(
    "INVALID_ARGUMENT",
    `a snapshot key must be at least ${SNAPSHOT_KEY_BYTES} random bytes: use deriveSnapshotKey`,
    { path },
  );
}

/**
 * Serialise every view to snapshot text, MACed under `key` (without one, the tag is a
 * plain hash and a restore must opt in with `trustUnkeyedSnapshot`). The text holds
 * identifiers, labels, field names and times — what the views hold — and never a sealed
 * or plaintext personal value, so a snapshot does not resurrect data after crypto-shredding.
 */
export function encodeSnapshot(
  views: Views,
  ledgerId: string,
  now: Date = new Date(),
  key?: Uint8Array,
): string {
  if (key !== undefined && key.length < SNAPSHOT_KEY_BYTES) throw shortKey("snapshotKey");
  const viewsJson = JSON.stringify(views.state());
  const fields: Omit<SnapshotHeader, "tag"> = {
    format: SNAPSHOT_FORMAT,
    ledgerId,
    seq: views.at.seq,
    hash: views.at.hash ?? null,
    createdAt: now.toISOString(),
    auth: key === undefined ? "sha256" : "hmac-sha256",
  };
  const header: SnapshotHeader = { ...fields, tag: bytesToHex(tagOf(fields, viewsJson, key)) };
  // The views' JSON is spliced in verbatim so the tag covers exactly those bytes.
  const head = JSON.stringify(header);
  return `${head.slice(0, -1)},"views":${viewsJson}}`;
}

/** The header of a snapshot without restoring it; NOT authenticated (use `decodeSnapshot`). */
export function snapshotHeader(text: string): E.Either<DaichoError, SnapshotHeader> {
  return pipe(
    parseSnapshot(text),
    E.map(({ views: _views, ...header }) => header as SnapshotHeader),
  );
}

/**
 * Restore views from snapshot text. Fails with `DECODE_ERROR` when the text is not a
 * well-formed v2 snapshot (a v1 snapshot is refused: its header was not covered),
 * `LEDGER_MISMATCH` when it names another ledger, `KEY_UNAVAILABLE` when it was keyed and
 * no key is given, and `STORE_CORRUPT` when its tag does not verify (edited header or
 * views, wrong key, truncated) or it is unkeyed and neither trusted nor allowed (a key
 * was given, or `trustUnkeyedSnapshot` is not set).
 */
export function decodeSnapshot(
  text: string,
  ledgerId?: string,
  trust: SnapshotTrust = {},
): E.Either<DaichoError, { views: Views; header: SnapshotHeader }> {
  if (trust.key !== undefined && trust.key.length < SNAPSHOT_KEY_BYTES) {
    return E.left(shortKey("snapshotKey"));
  }
  return pipe(
    parseSnapshot(text),
    E.chain((snap) => {
      if (ledgerId !== undefined && snap.ledgerId !== ledgerId) {
        return E.left(ledgerMismatch("snapshot", snap.ledgerId, ledgerId));
      }
      const { views: state, tag, ...fields } = snap;
      const refused = authFailure(fields, trust);
      if (refused !== undefined) return E.left(refused);
      const expected = tagOf(fields, JSON.stringify(state), trust.key);
      if (!/^[0-9a-f]{64}$/.test(tag) || !equalBytes(hexToBytes(tag), expected)) {
        return E.left(
          corrupt(
            "snapshot tag does not verify (edited, truncated, another key): delete it and let the projector rebuild",
            "$.tag",
          ),
        );
      }
      const position = snap.hash === null ? { seq: snap.seq } : { seq: snap.seq, hash: snap.hash };
      return pipe(
        Views.fromState(state as unknown as ViewsState, position),
        E.map((views) => ({ views, header: { ...fields, tag } as SnapshotHeader })),
      );
    }),
  );
}

function authFailure(h: { auth: SnapshotAuth }, trust: SnapshotTrust): DaichoError | undefined {
  if (h.auth === "hmac-sha256" && trust.key === undefined) {
    return new DaichoError(
      "KEY_UNAVAILABLE",
      "snapshot is MACed: pass the snapshotKey it was written with",
      { path: "snapshotKey" },
    );
  }
  if (h.auth === "sha256" && (trust.key !== undefined || trust.trustUnkeyedSnapshot !== true)) {
    return corrupt(
      trust.key !== undefined
        ? "snapshot is not MACed although a snapshotKey was given: delete it and let the projector rebuild"
        : "snapshot is not MACed: pass snapshotKey (or trustUnkeyedSnapshot: true if only the host can write it)",
      "$.auth",
    );
  }
  return undefined;
}

function corrupt(message: string, path: string): DaichoError {
  return new DaichoError("STORE_CORRUPT", message, { path });
}

function parseSnapshot(text: string): E.Either<DaichoError, t.TypeOf<typeof Header>> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return E.left(new DaichoError("DECODE_ERROR", "snapshot is not JSON", { path: "$" }));
  }
  if ((json as { format?: unknown } | null)?.format === V1_FORMAT) {
    return E.left(
      new DaichoError(
        "DECODE_ERROR",
        "snapshot format v1 does not bind its header: delete it and let the projector rebuild",
        { path: "$.format" },
      ),
    );
  }
  return decodeWith(Header, json, "$");
}

/**
 * Plain form of {@link snapshotHeader} (no fp-ts needed): returns the snapshot's header,
 * or throws `DECODE_ERROR`.
 */
export const snapshotHeaderOrThrow = throwing(snapshotHeader);

/**
 * Plain form of {@link decodeSnapshot} (no fp-ts needed): returns the restored views, or
 * throws `DECODE_ERROR` / `LEDGER_MISMATCH` / `KEY_UNAVAILABLE` / `STORE_CORRUPT`.
 */
export const decodeSnapshotOrThrow = throwing(decodeSnapshot);
