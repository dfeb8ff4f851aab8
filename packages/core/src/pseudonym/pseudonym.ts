import { hmac } from "@noble/hashes/hmac.js";
import { sha256 } from "@noble/hashes/sha2.js";
import { utf8ToBytes } from "@noble/hashes/utils.js";
import { base32nopad } from "@scure/base";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import type { Id } from "../events/primitives";
import { type NaturalKey, type NormalisedKey, normaliseNaturalKey } from "./natural-key";

/** The label that starts every pseudonym's HMAC message (docs/spec.md §2.3.1). */
export const PSEUDONYM_TAG = "daicho/pseudonym/v1";
/** What every pseudonym id starts with: the scheme and its version. */
export const PSEUDONYM_PREFIX = "ps1-";
/** The shortest pseudonym key accepted, in bytes. */
export const MIN_PSEUDONYM_KEY_BYTES = 32;

/**
 * The bytes the HMAC covers: `UTF-8(tag) ‖ 0x00 ‖ UTF-8(kind) ‖ 0x00 ‖ UTF-8(value)`.
 * Neither the tag nor a kind contains 0x00, so the framing is unambiguous.
 */
export function pseudonymMessage(key: NormalisedKey): Uint8Array {
  const parts = [PSEUDONYM_TAG, key.kind, key.value].map(utf8ToBytes);
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0) + 2);
  let at = 0;
  parts.forEach((p, i) => {
    out.set(p, at);
    at += p.length + (i < 2 ? 1 : 0); // the byte skipped stays 0x00
  });
  return out;
}

/**
 * The subject id for a natural key under the host's pseudonym key:
 * `ps1-` ‖ base32 (RFC 4648, lower case, no padding) of the first 20 bytes of
 * HMAC-SHA-256(key, pseudonymMessage(normalised)), 36 characters in all. The same key and
 * natural key always give the same id; without the key, the id reveals nothing about the
 * natural key and cannot be found by trying phone numbers or addresses. Ids are always
 * valid `Id`s and never phone-like. Left: DECODE_ERROR for a natural key that does not
 * normalise (the value is never echoed), INVALID_ARGUMENT for a key shorter than 32 bytes.
 *
 * The pseudonym key is a secret of the host, not the KEK: keep it in the secret manager,
 * never in the ledger or beside it. See docs/spec.md §2.3.1 for what rotating it means.
 */
export function pseudonymId(key: Uint8Array, naturalKey: NaturalKey): E.Either<DaichoError, Id> {
  if (!(key instanceof Uint8Array) || key.length < MIN_PSEUDONYM_KEY_BYTES) {
    return E.left(
      new DaichoError(
        "INVALID_ARGUMENT",
        `the pseudonym key must be at least ${MIN_PSEUDONYM_KEY_BYTES} random bytes (a secret of the host, not the KEK)`,
        { path: "key" },
      ),
    );
  }
  return E.map((n: NormalisedKey) => {
    const mac = hmac(sha256, key, pseudonymMessage(n)).subarray(0, 20);
    return `${PSEUDONYM_PREFIX}${base32nopad.encode(mac).toLowerCase()}` as Id;
  })(normaliseNaturalKey(naturalKey));
}

/** `pseudonymId` that returns the id or throws its `DaichoError`. */
export function pseudonymIdOrThrow(key: Uint8Array, naturalKey: NaturalKey): Id {
  const id = pseudonymId(key, naturalKey);
  if (E.isLeft(id)) throw id.left;
  return id.right;
}
