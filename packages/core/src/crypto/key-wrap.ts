import { xchacha20poly1305 } from "@noble/ciphers/chacha.js";
import { randomBytes } from "@noble/hashes/utils.js";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { framed } from "./encoding";

/**
 * A key-encryption key supplied by the host (from a KMS, an HSM or a secret manager).
 * `id` names it so a key store can tell which KEK its records are wrapped under; the
 * 32 key bytes never leave the process and are never written by the library.
 */
export interface Kek {
  readonly id: string;
  readonly key: Uint8Array;
}

/** Version byte at the start of every wrapped data key. */
export const WRAP_VERSION = 1;
export const WRAP_AD_TAG = "daicho/key-wrap/v1";
export const KEK_CHECK_TAG = "daicho/kek-check/v1";
/** Bytes of a data key. */
export const DATA_KEY_BYTES = 32;
/** Bytes of a wrapped data key: version ‖ nonce(24) ‖ ciphertext(32) ‖ tag(16). */
export const WRAPPED_BYTES = 1 + 24 + DATA_KEY_BYTES + 16;

/** What a wrapped data key is bound to. */
export interface WrapBinding {
  readonly keyId: string;
  readonly subject: string;
  readonly kekId: string;
}

/** Throw unless `kek` is a well-formed 32-byte key with an id. */
export function assertKek(kek: Kek): void {
  if (
    !(kek.key instanceof Uint8Array) ||
    kek.key.length !== 32 ||
    typeof kek.id !== "string" ||
    kek.id === ""
  ) {
    throw new DaichoError("INVALID_ARGUMENT", "a KEK is { id: non-empty string, key: 32 bytes }", {
      path: "kek",
    });
  }
}

/**
 * Wrap a 32-byte data key under a KEK: `0x01 ‖ nonce ‖ XChaCha20-Poly1305(KEK, nonce,
 * framed("daicho/key-wrap/v1", [keyId, subject, kekId]), dataKey)`. The binding stops a
 * wrapped key being swapped onto another subject inside the key store.
 */
export function wrapDataKey(
  kek: Kek,
  binding: WrapBinding,
  dataKey: Uint8Array,
  nonce = randomBytes(24),
): Uint8Array {
  const ad = framed(WRAP_AD_TAG, [binding.keyId, binding.subject, binding.kekId]);
  const ct = xchacha20poly1305(kek.key, nonce, ad).encrypt(dataKey);
  const out = new Uint8Array(WRAPPED_BYTES);
  out[0] = WRAP_VERSION;
  out.set(nonce, 1);
  out.set(ct, 25);
  return out;
}

/**
 * Unwrap a data key. A record naming another KEK, or one that fails authentication
 * under this KEK, is `WRONG_KEK`; a record of the wrong shape is `STORE_CORRUPT`.
 */
export function unwrapDataKey(
  kek: Kek,
  binding: WrapBinding,
  wrapped: Uint8Array,
): E.Either<DaichoError, Uint8Array> {
  if (binding.kekId !== kek.id) {
    return E.left(
      new DaichoError("WRONG_KEK", "data key is wrapped under another KEK", {
        details: { keyId: binding.keyId, kekId: binding.kekId },
      }),
    );
  }
  if (wrapped.length !== WRAPPED_BYTES || wrapped[0] !== WRAP_VERSION) {
    return E.left(
      new DaichoError("STORE_CORRUPT", "wrapped data key has the wrong length or version", {
        details: { keyId: binding.keyId },
      }),
    );
  }
  const ad = framed(WRAP_AD_TAG, [binding.keyId, binding.subject, binding.kekId]);
  try {
    return E.right(
      xchacha20poly1305(kek.key, wrapped.subarray(1, 25), ad).decrypt(wrapped.subarray(25)),
    );
  } catch {
    return E.left(
      new DaichoError("WRONG_KEK", "data key does not unwrap under this KEK", {
        details: { keyId: binding.keyId },
      }),
    );
  }
}

/**
 * A KEK check value: `nonce ‖ XChaCha20-Poly1305(KEK, nonce, framed("daicho/kek-check/v1",
 * [kekId]), 32 zero bytes)`. A key store keeps one so that opening it with the wrong KEK
 * fails at once, before any record is read or written.
 */
export function kekCheckValue(kek: Kek, nonce = randomBytes(24)): Uint8Array {
  const ct = xchacha20poly1305(kek.key, nonce, framed(KEK_CHECK_TAG, [kek.id])).encrypt(
    new Uint8Array(32),
  );
  const out = new Uint8Array(24 + ct.length);
  out.set(nonce, 0);
  out.set(ct, 24);
  return out;
}

/** True when `check` was made by {@link kekCheckValue} with this very KEK. */
export function kekMatches(kek: Kek, check: Uint8Array): boolean {
  if (check.length !== 24 + 48) return false;
  try {
    const plain = xchacha20poly1305(
      kek.key,
      check.subarray(0, 24),
      framed(KEK_CHECK_TAG, [kek.id]),
    ).decrypt(check.subarray(24));
    return plain.every((b) => b === 0);
  } catch {
    return false;
  }
}

/**
 * Plain form of {@link unwrapDataKey} (no fp-ts needed): returns the data key, or throws
 * `WRONG_KEK` / `STORE_CORRUPT`.
 */
export const unwrapDataKeyOrThrow = throwing(unwrapDataKey);
