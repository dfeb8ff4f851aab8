import { hkdf } from "@noble/hashes/hkdf.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { DaichoError } from "../errors";
import { utf8ToBytes } from "../hash";
import { hmacSha256 } from "../hmac";
import { sha256Digest } from "../sha256";

/**
 * What every views snapshot format shares: the header a restore reports, the trust a host
 * grants, the key derivation and the checks on how a snapshot was authenticated
 * (docs/views-and-decisions.md §5, docs/spec.md §14).
 */

/** Format tag of a text (JSON) views snapshot (docs/views-and-decisions.md §5). */
export const SNAPSHOT_FORMAT = "daicho/views-snapshot/v2" as const;
/** Format tag of a binary views snapshot (docs/spec.md §14); its first 25 bytes are this and 0x00. */
export const SNAPSHOT_BINARY_FORMAT = "daicho/views-snapshot/v3" as const;
/** Shortest `snapshotKey` accepted, in bytes (HMAC-SHA256's block security). */
export const SNAPSHOT_KEY_BYTES = 32;

/** How a snapshot's `tag` was made: HMAC under the host's key, or a plain hash (torn files only). */
export type SnapshotAuth = "hmac-sha256" | "sha256";

/** Header of a snapshot: which ledger, which event it reflects, and the tag binding both to the views. */
export interface SnapshotHeader {
  readonly format: typeof SNAPSHOT_FORMAT | typeof SNAPSHOT_BINARY_FORMAT;
  readonly ledgerId: string;
  /** Last event folded in (-1: none). */
  readonly seq: number;
  /** Hash of that event; the projector checks it against the ledger's stored bytes. */
  readonly hash: string | null;
  readonly createdAt: string;
  readonly auth: SnapshotAuth;
  /** MAC (or hash) of the header fields and the views' exact bytes, hex. */
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

/**
 * A snapshot key for one ledger from a host secret (HKDF-SHA256, salt
 * "daicho/views-snapshot/v2", info = UTF-8 ledger id): one secret can serve many ledgers
 * without their snapshots being interchangeable. The same key MACs v2 and v3 snapshots;
 * each format's MACed bytes begin with its own format tag, so neither verifies as the other.
 */
export function deriveSnapshotKey(secret: Uint8Array, ledgerId: string): Uint8Array {
  if (secret.length < SNAPSHOT_KEY_BYTES) throw shortKey("secret");
  return hkdf(sha256, secret, utf8ToBytes(SNAPSHOT_FORMAT), utf8ToBytes(ledgerId), 32);
}

/** HMAC-SHA256 under `key`, or SHA-256 without one (native where the runtime has it). */
export function snapshotTag(message: Uint8Array, key?: Uint8Array): Uint8Array {
  return key === undefined ? sha256Digest(message) : hmacSha256(key, message);
}

export function shortKey(path: string): DaichoError {
  return new DaichoError(
    "INVALID_ARGUMENT",
    `a snapshot key must be at least ${SNAPSHOT_KEY_BYTES} random bytes: use deriveSnapshotKey`,
    { path },
  );
}

/** Why a snapshot made with `auth` must not be restored under `trust`; undefined when it may. */
export function authFailure(
  h: { auth: SnapshotAuth },
  trust: SnapshotTrust,
  path = "$.auth",
): DaichoError | undefined {
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
      path,
    );
  }
  return undefined;
}

export function corrupt(message: string, path: string): DaichoError {
  return new DaichoError("STORE_CORRUPT", message, { path });
}
