import { equalBytes } from "@noble/ciphers/utils.js";
import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import { DaichoError, ledgerMismatch } from "../errors";
import { bytesToHex, hexToBytes, utf8ToBytes } from "../hash";
import { throwing } from "../plain";
import {
  authFailure,
  corrupt,
  SNAPSHOT_FORMAT,
  SNAPSHOT_KEY_BYTES,
  type SnapshotHeader,
  type SnapshotTrust,
  shortKey,
  snapshotTag,
} from "./snapshot-trust";
import { binarySnapshotHeader, decodeBinarySnapshot, isBinarySnapshot } from "./snapshot-v3";
import { Views, type ViewsState } from "./view-set";

export {
  deriveSnapshotKey,
  SNAPSHOT_BINARY_FORMAT,
  SNAPSHOT_FORMAT,
  SNAPSHOT_KEY_BYTES,
  type SnapshotAuth,
  type SnapshotHeader,
  type SnapshotTrust,
} from "./snapshot-trust";
export { encodeBinarySnapshot } from "./snapshot-v3";

const V1_FORMAT = "daicho/views-snapshot/v1";

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
  return snapshotTag(message(h, viewsJson), key);
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

/**
 * The header of a snapshot — v2 text, or v2 or v3 bytes — without restoring it; NOT
 * authenticated (use `decodeSnapshot`).
 */
export function snapshotHeader(
  snapshot: string | Uint8Array,
): E.Either<DaichoError, SnapshotHeader> {
  const text = asText(snapshot);
  if (text === undefined) return binarySnapshotHeader(snapshot as Uint8Array);
  if (E.isLeft(text)) return text;
  return pipe(
    parseSnapshot(text.right),
    E.map(({ views: _views, ...header }) => header as SnapshotHeader),
  );
}

/**
 * Restore views from a snapshot: v2 text (a string, or its UTF-8 bytes) or v3 bytes
 * (`encodeBinarySnapshot`). Fails with `DECODE_ERROR` when it is not a well-formed v2 or
 * v3 snapshot (a v1 snapshot is refused: its header was not covered), `LEDGER_MISMATCH`
 * when it names another ledger, `KEY_UNAVAILABLE` when it was keyed and no key is given,
 * and `STORE_CORRUPT` when its tag does not verify (edited header or views, wrong key,
 * truncated) or it is unkeyed and neither trusted nor allowed (a key was given, or
 * `trustUnkeyedSnapshot` is not set).
 */
export function decodeSnapshot(
  snapshot: string | Uint8Array,
  ledgerId?: string,
  trust: SnapshotTrust = {},
): E.Either<DaichoError, { views: Views; header: SnapshotHeader }> {
  const text = asText(snapshot);
  if (text === undefined) return decodeBinarySnapshot(snapshot as Uint8Array, ledgerId, trust);
  if (E.isLeft(text)) return text;
  return decodeTextSnapshot(text.right, ledgerId, trust);
}

const utf8 = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true });

/**
 * The v2 text of a snapshot: the string itself, or bytes that begin with `{` decoded as
 * UTF-8; undefined for any other bytes (v3, or nothing this build reads).
 */
function asText(snapshot: string | Uint8Array): E.Either<DaichoError, string> | undefined {
  if (typeof snapshot === "string") return E.right(snapshot);
  if (isBinarySnapshot(snapshot) || snapshot[0] !== 0x7b) return undefined;
  try {
    return E.right(utf8.decode(snapshot));
  } catch {
    return E.left(new DaichoError("DECODE_ERROR", "snapshot text is not UTF-8", { path: "$" }));
  }
}

function decodeTextSnapshot(
  text: string,
  ledgerId: string | undefined,
  trust: SnapshotTrust,
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
