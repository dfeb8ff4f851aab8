import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/hashes/utils.js";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { framed, fromBase64Url, toBase64Url, utf8 } from "./encoding";

/** The one AEAD personal values are sealed with (docs/spec.md §10.4). */
export const FIELD_ALG = "xchacha20poly1305" as const;
/** Domain tag of the associated data of a sealed field. */
export const FIELD_AD_TAG = "daicho/personal/v1";
/** Plaintexts are padded to a multiple of this many bytes so lengths leak only coarsely. */
export const PAD_BLOCK = 32;
/** Largest personal value, in UTF-8 bytes. */
export const MAX_VALUE_BYTES = 64 * 1024;

const NONCE_BYTES = 24;
const TAG_BYTES = 16;

/** Everything a sealed field is bound to: moving its ciphertext anywhere else fails to open. */
export interface FieldBinding {
  readonly ledgerId: string;
  readonly eventId: string;
  readonly subject: string;
  readonly field: string;
  readonly keyId: string;
  /** The clear, non-identifying part kept after erasure, if the host declared one. */
  readonly keep?: string;
}

/** A sealed value as it appears in an event's `personal` section (strings only). */
export interface SealedValue {
  readonly alg: typeof FIELD_ALG;
  readonly nonce: string;
  readonly ct: string;
}

/**
 * The associated data of a sealed field: `framed("daicho/personal/v1", [ledgerId,
 * eventId, subject, field, alg, keyId, keep])`, `keep` absent when not declared. Binding
 * all of these means a ciphertext copied to another ledger, event, subject or field, or
 * beside an altered `keep`, fails authentication.
 */
export function fieldAssociatedData(b: FieldBinding): Uint8Array {
  return framed(FIELD_AD_TAG, [
    b.ledgerId,
    b.eventId,
    b.subject,
    b.field,
    FIELD_ALG,
    b.keyId,
    b.keep,
  ]);
}

/**
 * ISO/IEC 7816-4 padding: the value's UTF-8 bytes, then 0x80, then zero bytes up to the
 * next multiple of {@link PAD_BLOCK}. Always adds at least one byte.
 */
export function padValue(value: string): Uint8Array {
  const bytes = utf8(value);
  const size = Math.ceil((bytes.length + 1) / PAD_BLOCK) * PAD_BLOCK;
  const out = new Uint8Array(size);
  out.set(bytes, 0);
  out[bytes.length] = 0x80;
  return out;
}

/** Undo {@link padValue}; undefined when the padding is malformed. */
export function unpadValue(padded: Uint8Array): string | undefined {
  let end = padded.length - 1;
  while (end >= 0 && padded[end] === 0) end--;
  if (end < 0 || padded[end] !== 0x80) return undefined;
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(padded.subarray(0, end));
  } catch {
    return undefined;
  }
}

/**
 * Seal one personal value under a subject's 32-byte data key with XChaCha20-Poly1305,
 * a fresh random 24-byte nonce and the field's associated data. `nonce` may be fixed
 * only to reproduce test vectors. The caller's key is not retained.
 */
export function sealValue(
  key: Uint8Array,
  binding: FieldBinding,
  value: string,
  nonce: Uint8Array = randomBytes(NONCE_BYTES),
): SealedValue {
  const padded = padValue(value);
  const ct = xchacha20poly1305(key, nonce, fieldAssociatedData(binding)).encrypt(padded);
  padded.fill(0);
  return { alg: FIELD_ALG, nonce: toBase64Url(nonce), ct: toBase64Url(ct) };
}

/**
 * Open a sealed value. Any failure — unknown algorithm, malformed encodings, a failed
 * tag (wrong event, subject, field or key id, altered bytes), bad padding — is
 * `CIPHERTEXT_TAMPERED`: with the right key, an honest ciphertext always opens.
 */
export function openValue(
  key: Uint8Array,
  binding: FieldBinding,
  sealed: { readonly alg: string; readonly nonce: string; readonly ct: string },
): E.Either<DaichoError, string> {
  const tampered = (why: string) =>
    E.left(
      new DaichoError("CIPHERTEXT_TAMPERED", why, {
        details: { keyId: binding.keyId, field: binding.field },
      }),
    );
  if (sealed.alg !== FIELD_ALG) return tampered("unknown sealing algorithm");
  const nonce = fromBase64Url(sealed.nonce);
  const ct = fromBase64Url(sealed.ct);
  if (nonce === undefined || nonce.length !== NONCE_BYTES) return tampered("malformed nonce");
  if (
    ct === undefined ||
    ct.length < TAG_BYTES + PAD_BLOCK ||
    (ct.length - TAG_BYTES) % PAD_BLOCK !== 0
  ) {
    return tampered("malformed ciphertext");
  }
  let padded: Uint8Array;
  try {
    padded = xchacha20poly1305(key, nonce, fieldAssociatedData(binding)).decrypt(ct);
  } catch {
    return tampered("ciphertext does not authenticate for this event, subject and field");
  }
  const value = unpadValue(padded);
  padded.fill(0);
  return value === undefined ? tampered("malformed padding") : E.right(value);
}

/**
 * Plain form of {@link openValue} (no fp-ts needed): returns the plaintext, or throws
 * `CIPHERTEXT_TAMPERED`.
 */
export const openValueOrThrow = throwing(openValue);
