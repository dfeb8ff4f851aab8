/**
 * Standard base64 (RFC 4648 §4) with padding, strict, on `@scure/base`: the decoder
 * accepts only the canonical encoding of some byte string (no white space, no missing or
 * extra padding, no non-zero bits in the last character's unused part, nothing outside
 * the standard alphabet), so a signature or a root has exactly one text form and cannot
 * be altered without changing its bytes (docs/spec.md §8.1–8.2: "canonical base64 only").
 */
import { base64 } from "@scure/base";

/** Encode bytes as standard padded base64 (32 bytes, a hash, in a table loop: the same text). */
export function toBase64(bytes: Uint8Array): string {
  return bytes.length === 32 ? hashToBase64(bytes) : base64.encode(bytes);
}

/**
 * Decode canonical standard base64; undefined for anything else. The codec's own error
 * is dropped on purpose: it quotes the offending character, and the text is hostile.
 * A 44-character text (a 32-byte hash: every node of a proof) takes {@link fromBase64Hash}.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== "string") return undefined;
  // Exactly one "=" at the end of 44 characters: the text of 32 bytes, or of nothing.
  if (text.length === HASH_TEXT && text.charCodeAt(43) === 61 && text.charCodeAt(42) !== 61)
    return fromBase64Hash(text);
  try {
    return base64.decode(text);
  } catch {
    return undefined;
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** The 6-bit value of each ASCII character code, -1 outside the alphabet. */
const VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) VALUE[ALPHABET.charCodeAt(i)] = i;
/** Characters in the canonical base64 of 32 bytes: ten full groups, then 3 characters and "=". */
const HASH_TEXT = 44;

/** The 6-bit value of the character at `i`, -1 when it is not in the alphabet. */
function sextet(text: string, i: number): number {
  const c = text.charCodeAt(i);
  return c < 128 ? (VALUE[c] as number) : -1;
}

/**
 * The same function as {@link fromBase64} for texts of a 32-byte value, in a table loop
 * (extracts and proofs carry thousands of node hashes, each decoded twice: through the
 * generic codec that was a tenth of `verifyExtract`, docs/benchmarks.md "extract"). Canonical only, exactly as the codec: 43 alphabet
 * characters and one "=", and the last character's two unused bits zero, so a hash still
 * has one text form; undefined for anything else. `base64.test.ts` holds the two equal by
 * property test.
 */
export function fromBase64Hash(text: string): Uint8Array | undefined {
  if (typeof text !== "string" || text.length !== HASH_TEXT || text.charCodeAt(43) !== 61)
    return undefined;
  const out = new Uint8Array(32);
  let o = 0;
  for (let i = 0; i < 40; i += 4) {
    const a = sextet(text, i);
    const b = sextet(text, i + 1);
    const c = sextet(text, i + 2);
    const d = sextet(text, i + 3);
    if ((a | b | c | d) < 0) return undefined;
    out[o++] = (a << 2) | (b >> 4);
    out[o++] = ((b & 15) << 4) | (c >> 2);
    out[o++] = ((c & 3) << 6) | d;
  }
  const a = sextet(text, 40);
  const b = sextet(text, 41);
  const c = sextet(text, 42);
  // The last character carries 4 bits of the final byte and 2 unused bits, which must be 0.
  if ((a | b | c) < 0 || (c & 3) !== 0) return undefined;
  out[30] = (a << 2) | (b >> 4);
  out[31] = ((b & 15) << 4) | (c >> 2);
  return out;
}

/** The base64 text of 32 bytes: ten 3-byte groups, then 2 bytes as 3 characters and "=". */
function hashToBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < 30; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET.charAt(n >> 18) +
      ALPHABET.charAt((n >> 12) & 63) +
      ALPHABET.charAt((n >> 6) & 63) +
      ALPHABET.charAt(n & 63);
  }
  const n = ((bytes[30] as number) << 8) | (bytes[31] as number);
  return `${out}${ALPHABET.charAt(n >> 10)}${ALPHABET.charAt((n >> 4) & 63)}${ALPHABET.charAt((n << 2) & 63)}=`;
}
