import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { fromBase64, toBase64 } from "./base64";
import { COSIGNATURE_V1_TYPE, cosignatureV1Message, splitCosignatureV1 } from "./cosignature";

/**
 * Key names, key IDs and the text forms of Ed25519 note keys (C2SP signed-note v1.0.0;
 * the verifier-key and private-key texts are those of Go's golang.org/x/mod/sumdb/note,
 * which transparency-log tooling and witnesses read):
 *
 *   verifier key:  <name>+<key ID, 8 hex digits>+base64(0x01 ‖ 32-byte public key)
 *   private key:   PRIVATE+KEY+<name>+<key ID>+base64(0x01 ‖ 32-byte seed)
 *   key ID:        SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]
 *
 * Witness keys of C2SP tlog-cosignature v1.0.0 (Ed25519 "cosignature/v1") have the same
 * texts with type byte 0x04 in place of 0x01, also in the key ID (cosignature.ts).
 */
export const ED25519_TYPE = 0x01;

/** The signature types Daichō reads: 0x01 (signed-note Ed25519) and 0x04 (cosignature/v1). */
export type KeyType = typeof ED25519_TYPE | typeof COSIGNATURE_V1_TYPE;

/** A public key that can check note signatures. */
export interface NoteVerifier {
  readonly name: string;
  /** The 4-byte key ID, big-endian. */
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** The signature type; absent means 0x01 (plain Ed25519 note signatures). */
  readonly type?: KeyType;
  /**
   * True when `signature` (the bytes after the key ID) is this key's signature of the
   * note text `message`: for 0x01 an Ed25519 signature of it (RFC 8032, strict); for
   * 0x04 a timestamped cosignature/v1 signature (cosignature.ts).
   */
  verify(message: Uint8Array, signature: Uint8Array): boolean;
}

const SPACE = /\s/u;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** True when `s` has no lone surrogate, so it has a UTF-8 encoding. */
export function isWellFormed(s: string): boolean {
  return !LONE_SURROGATE.test(s);
}

/**
 * True for a valid key name: non-empty, no Unicode space, no `+` (signed-note v1.0.0
 * "Format"), no control characters, and well-formed Unicode (so it has a UTF-8 form).
 */
export function isValidKeyName(name: string): boolean {
  return (
    typeof name === "string" &&
    name.length > 0 &&
    name.length <= 256 &&
    !SPACE.test(name) &&
    !name.includes("+") &&
    // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
    !/[\u0000-\u001f\u007f]/.test(name) &&
    isWellFormed(name)
  );
}

/** The key ID of a note key: SHA-256(name ‖ 0x0A ‖ type ‖ publicKey)[:4]. */
export function noteKeyId(name: string, type: KeyType, publicKey: Uint8Array): Uint8Array {
  const h = sha256
    .create()
    .update(new TextEncoder().encode(name))
    .update(Uint8Array.of(0x0a, type))
    .update(publicKey)
    .digest();
  return h.slice(0, 4);
}

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey)[:4]. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): Uint8Array {
  return noteKeyId(name, ED25519_TYPE, publicKey);
}

/** SHA-256(name ‖ 0x0A ‖ 0x04 ‖ publicKey)[:4]: the key ID of a cosignature/v1 witness key. */
export function cosignatureV1KeyId(name: string, publicKey: Uint8Array): Uint8Array {
  return noteKeyId(name, COSIGNATURE_V1_TYPE, publicKey);
}

function strictVerify(key: Uint8Array, message: Uint8Array, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return ed25519.verify(signature, message, key, { zip215: false });
  } catch {
    return false;
  }
}

function checkKey(name: string, publicKey: Uint8Array): Uint8Array {
  if (!isValidKeyName(name))
    throw new DaichoError("INVALID_ARGUMENT", "invalid key name", { path: "name" });
  if (publicKey.length !== 32)
    throw new DaichoError("INVALID_ARGUMENT", "an Ed25519 public key is 32 bytes");
  return Uint8Array.from(publicKey);
}

const hex8 = (id: Uint8Array) => [...id].map((b) => b.toString(16).padStart(2, "0")).join("");

/** An Ed25519 verifier for `publicKey` under `name`. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const key = checkKey(name, publicKey);
  return {
    name,
    keyId: ed25519KeyId(name, key),
    publicKey: key,
    type: ED25519_TYPE,
    verify: (message, signature) => strictVerify(key, message, signature),
  };
}

/**
 * A C2SP tlog-cosignature v1.0.0 (Ed25519, type 0x04) witness verifier for `publicKey`
 * under `name`. Its `verify(noteText, blob)` splits the 72-byte blob into timestamp and
 * signature, rebuilds the signed message ("cosignature/v1", "time <t>", note text) and
 * checks the Ed25519 signature strictly. Throws INVALID_ARGUMENT for a bad name or key.
 */
export function cosignatureV1Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  const key = checkKey(name, publicKey);
  return {
    name,
    keyId: cosignatureV1KeyId(name, key),
    publicKey: key,
    type: COSIGNATURE_V1_TYPE,
    verify: (message, signature) => {
      const split = splitCosignatureV1(signature);
      if (split === undefined) return false;
      return strictVerify(key, cosignatureV1Message(split.timestamp, message), split.signature);
    },
  };
}

/** The verifier-key text `<name>+<keyid>+<base64(type ‖ key)>`; type 0x01 unless `v.type` says otherwise. */
export function formatVerifierKey(v: Pick<NoteVerifier, "name" | "publicKey" | "type">): string {
  const type = v.type ?? ED25519_TYPE;
  return `${v.name}+${hex8(noteKeyId(v.name, type, v.publicKey))}+${toBase64(Uint8Array.of(type, ...v.publicKey))}`;
}

const HASH8 = /^[0-9a-fA-F]{8}$/;

function parseKeyText(
  text: string,
  what: string,
): E.Either<DaichoError, { name: string; keyId: string; type: KeyType; key: Uint8Array }> {
  const bad = (reason: string) =>
    E.left(new DaichoError("INVALID_ARGUMENT", `${what}: ${reason}`, { path: what }));
  const first = text.indexOf("+");
  const second = first < 0 ? -1 : text.indexOf("+", first + 1);
  if (second < 0) return bad("expected <name>+<key id>+<key>");
  const name = text.slice(0, first);
  const keyId = text.slice(first + 1, second);
  if (!isValidKeyName(name)) return bad("invalid key name");
  if (!HASH8.test(keyId)) return bad("the key ID must be 8 hex digits");
  const key = fromBase64(text.slice(second + 1));
  if (key === undefined || key.length !== 33) return bad("the key must be base64 of 33 bytes");
  const type = key[0];
  if (type !== ED25519_TYPE && type !== COSIGNATURE_V1_TYPE)
    return bad("only Ed25519 keys of type 0x01 or 0x04 (cosignature/v1) are supported");
  return E.right({ name, keyId: keyId.toLowerCase(), type, key: key.slice(1) });
}

/**
 * Parse a verifier-key text: type 0x01 gives a signed-note Ed25519 verifier, type 0x04 a
 * cosignature/v1 witness verifier. Left(INVALID_ARGUMENT) when it is malformed, of
 * another type, or its key ID does not match its name, type and key.
 */
export function parseVerifierKey(text: string): E.Either<DaichoError, NoteVerifier> {
  const parsed = parseKeyText(text.trim(), "verifier key");
  if (E.isLeft(parsed)) return parsed;
  const { name, keyId, type, key } = parsed.right;
  const verifier =
    type === COSIGNATURE_V1_TYPE ? cosignatureV1Verifier(name, key) : ed25519Verifier(name, key);
  if (hex8(verifier.keyId) !== keyId) {
    return E.left(
      new DaichoError("INVALID_ARGUMENT", "verifier key: key ID does not match name and key"),
    );
  }
  return E.right(verifier);
}

/** A parsed Ed25519 private key. */
export interface PrivateKey {
  readonly name: string;
  /** 0x01 for a note signing key, 0x04 for a cosignature/v1 witness key. */
  readonly type: KeyType;
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

const PRIVATE_PREFIX = "PRIVATE+KEY+";

/**
 * Parse `PRIVATE+KEY+<name>+<keyid>+<base64(type ‖ seed)>` with type 0x01 or 0x04 (the key
 * ID is computed with that type); Left(INVALID_ARGUMENT) otherwise.
 */
export function parsePrivateKey(text: string): E.Either<DaichoError, PrivateKey> {
  const trimmed = text.trim();
  if (!trimmed.startsWith(PRIVATE_PREFIX)) {
    return E.left(
      new DaichoError(
        "INVALID_ARGUMENT",
        "private key: expected PRIVATE+KEY+<name>+<key id>+<key>",
      ),
    );
  }
  const parsed = parseKeyText(trimmed.slice(PRIVATE_PREFIX.length), "private key");
  if (E.isLeft(parsed)) return parsed;
  const { name, keyId, type, key } = parsed.right;
  const publicKey = ed25519.getPublicKey(key);
  if (hex8(noteKeyId(name, type, publicKey)) !== keyId) {
    return E.left(
      new DaichoError("INVALID_ARGUMENT", "private key: key ID does not match name and key"),
    );
  }
  return E.right({ name, type, seed: key, publicKey });
}

/** The private-key text for `seed` under `name` (type 0x01 unless given). Treat it as a secret. */
export function formatPrivateKey(
  name: string,
  seed: Uint8Array,
  type: KeyType = ED25519_TYPE,
): string {
  const publicKey = ed25519.getPublicKey(seed);
  return `${PRIVATE_PREFIX}${name}+${hex8(noteKeyId(name, type, publicKey))}+${toBase64(Uint8Array.of(type, ...seed))}`;
}

/** Parse several verifier keys, one per line; blank lines and `#` comments are skipped. */
export function parseVerifierKeys(text: string): E.Either<DaichoError, NoteVerifier[]> {
  const out: NoteVerifier[] = [];
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] as string).trim();
    if (line === "" || line.startsWith("#")) continue;
    const v = parseVerifierKey(line);
    if (E.isLeft(v))
      return E.left(new DaichoError("INVALID_ARGUMENT", v.left.reason, { path: `line ${i + 1}` }));
    out.push(v.right);
  }
  return E.right(out);
}

/**
 * Plain form of {@link parseVerifierKey} (no fp-ts needed): returns the verifier, or
 * throws `INVALID_ARGUMENT` naming what is malformed.
 */
export const parseVerifierKeyOrThrow = throwing(parseVerifierKey);

/**
 * Plain form of {@link parsePrivateKey} (no fp-ts needed): returns the private key, or
 * throws `INVALID_ARGUMENT` naming what is malformed.
 */
export const parsePrivateKeyOrThrow = throwing(parsePrivateKey);

/**
 * Plain form of {@link parseVerifierKeys} (no fp-ts needed): returns the verifiers, or
 * throws `INVALID_ARGUMENT` naming the bad line.
 */
export const parseVerifierKeysOrThrow = throwing(parseVerifierKeys);
