import { ed25519 } from "@noble/curves/ed25519.js";
import { sha256 } from "@noble/hashes/sha2.js";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { fromBase64, toBase64 } from "./base64";

/**
 * Key names, key IDs and the text forms of Ed25519 note keys (C2SP signed-note v1.0.0;
 * the verifier-key and private-key texts are those of Go's golang.org/x/mod/sumdb/note,
 * which transparency-log tooling and witnesses read):
 *
 *   verifier key:  <name>+<key ID, 8 hex digits>+base64(0x01 ‖ 32-byte public key)
 *   private key:   PRIVATE+KEY+<name>+<key ID>+base64(0x01 ‖ 32-byte seed)
 *   key ID:        SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]
 */
export const ED25519_TYPE = 0x01;

/** A public key that can check note signatures. */
export interface NoteVerifier {
  readonly name: string;
  /** The 4-byte key ID, big-endian. */
  readonly keyId: Uint8Array;
  readonly publicKey: Uint8Array;
  /** True when `signature` is this key's Ed25519 signature of `message` (RFC 8032, strict). */
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

/** SHA-256(name ‖ 0x0A ‖ 0x01 ‖ publicKey)[:4]. */
export function ed25519KeyId(name: string, publicKey: Uint8Array): Uint8Array {
  const h = sha256
    .create()
    .update(new TextEncoder().encode(name))
    .update(Uint8Array.of(0x0a, ED25519_TYPE))
    .update(publicKey)
    .digest();
  return h.slice(0, 4);
}

const hex8 = (id: Uint8Array) => [...id].map((b) => b.toString(16).padStart(2, "0")).join("");

/** An Ed25519 verifier for `publicKey` under `name`. */
export function ed25519Verifier(name: string, publicKey: Uint8Array): NoteVerifier {
  if (!isValidKeyName(name))
    throw new DaichoError("INVALID_ARGUMENT", "invalid key name", { path: "name" });
  if (publicKey.length !== 32)
    throw new DaichoError("INVALID_ARGUMENT", "an Ed25519 public key is 32 bytes");
  const key = Uint8Array.from(publicKey);
  return {
    name,
    keyId: ed25519KeyId(name, key),
    publicKey: key,
    verify: (message, signature) => {
      if (signature.length !== 64) return false;
      try {
        return ed25519.verify(signature, message, key, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}

/** The verifier-key text `<name>+<keyid>+<base64(0x01 ‖ key)>`. */
export function formatVerifierKey(v: Pick<NoteVerifier, "name" | "publicKey">): string {
  return `${v.name}+${hex8(ed25519KeyId(v.name, v.publicKey))}+${toBase64(Uint8Array.of(ED25519_TYPE, ...v.publicKey))}`;
}

const HASH8 = /^[0-9a-fA-F]{8}$/;

function parseKeyText(
  text: string,
  what: string,
): E.Either<DaichoError, { name: string; keyId: string; key: Uint8Array }> {
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
  if (key[0] !== ED25519_TYPE) return bad("only Ed25519 keys (type 0x01) are supported");
  return E.right({ name, keyId: keyId.toLowerCase(), key: key.slice(1) });
}

/**
 * Parse a verifier-key text. Left(INVALID_ARGUMENT) when it is malformed, not Ed25519, or
 * its key ID does not match its name and key.
 */
export function parseVerifierKey(text: string): E.Either<DaichoError, NoteVerifier> {
  const parsed = parseKeyText(text.trim(), "verifier key");
  if (E.isLeft(parsed)) return parsed;
  const { name, keyId, key } = parsed.right;
  const verifier = ed25519Verifier(name, key);
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
  readonly seed: Uint8Array;
  readonly publicKey: Uint8Array;
}

const PRIVATE_PREFIX = "PRIVATE+KEY+";

/** Parse `PRIVATE+KEY+<name>+<keyid>+<base64(0x01 ‖ seed)>`; Left(INVALID_ARGUMENT) otherwise. */
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
  const { name, keyId, key } = parsed.right;
  const publicKey = ed25519.getPublicKey(key);
  if (hex8(ed25519KeyId(name, publicKey)) !== keyId) {
    return E.left(
      new DaichoError("INVALID_ARGUMENT", "private key: key ID does not match name and key"),
    );
  }
  return E.right({ name, seed: key, publicKey });
}

/** The private-key text for `seed` under `name`. Treat it as a secret. */
export function formatPrivateKey(name: string, seed: Uint8Array): string {
  const publicKey = ed25519.getPublicKey(seed);
  return `${PRIVATE_PREFIX}${name}+${hex8(ed25519KeyId(name, publicKey))}+${toBase64(Uint8Array.of(ED25519_TYPE, ...seed))}`;
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
