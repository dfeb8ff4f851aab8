/**
 * Byte encodings the personal-data format uses (docs/spec.md, "Personal data: sealing
 * and crypto-shredding"): unpadded base64url (RFC 4648 §5) for nonces and ciphertexts,
 * and length-prefixed strings for associated data. Written here rather than taken from
 * `Buffer` so the pure core runs unchanged in browsers and edge runtimes.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
const LOOKUP = new Int16Array(128).fill(-1);
for (let i = 0; i < ALPHABET.length; i++) LOOKUP[ALPHABET.charCodeAt(i)] = i;

/** Unpadded base64url of `bytes`. */
export function toBase64Url(bytes: Uint8Array): string {
  let out = "";
  let i = 0;
  for (; i + 2 < bytes.length; i += 3) {
    const n =
      ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8) | (bytes[i + 2] as number);
    out +=
      ALPHABET.charAt(n >>> 18) +
      ALPHABET.charAt((n >>> 12) & 63) +
      ALPHABET.charAt((n >>> 6) & 63) +
      ALPHABET.charAt(n & 63);
  }
  const rest = bytes.length - i;
  if (rest === 1) {
    const n = (bytes[i] as number) << 16;
    out += ALPHABET.charAt(n >>> 18) + ALPHABET.charAt((n >>> 12) & 63);
  } else if (rest === 2) {
    const n = ((bytes[i] as number) << 16) | ((bytes[i + 1] as number) << 8);
    out +=
      ALPHABET.charAt(n >>> 18) +
      ALPHABET.charAt((n >>> 12) & 63) +
      ALPHABET.charAt((n >>> 6) & 63);
  }
  return out;
}

/**
 * Decode unpadded base64url; undefined for anything else (padding, other alphabets,
 * a length that no byte string has, non-zero trailing bits). Strict because the text
 * is attacker-controlled: two spellings of one ciphertext must not both be accepted.
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (text.length % 4 === 1) return undefined;
  const out = new Uint8Array(Math.floor((text.length * 3) / 4));
  let bits = 0;
  let acc = 0;
  let o = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    const v = c < 128 ? (LOOKUP[c] as number) : -1;
    if (v < 0) return undefined;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >>> bits) & 0xff;
    }
  }
  if ((acc & ((1 << bits) - 1)) !== 0) return undefined;
  return out;
}

const encoder = new TextEncoder();

/** UTF-8 bytes of `s`. */
export function utf8(s: string): Uint8Array {
  return encoder.encode(s);
}

/**
 * `tag ‖ 0x00 ‖ lp(part₁) ‖ … ‖ lp(partₙ)` where lp(x) is the 4-byte big-endian length
 * of UTF-8(x) followed by UTF-8(x). An absent part (undefined) is the single byte 0xFF
 * in place of its length prefix, so "absent" and "empty" never collide.
 */
export function framed(tag: string, parts: readonly (string | undefined)[]): Uint8Array {
  const encoded = parts.map((p) => (p === undefined ? undefined : utf8(p)));
  const tagBytes = utf8(tag);
  let size = tagBytes.length + 1;
  for (const e of encoded) size += e === undefined ? 1 : 4 + e.length;
  const out = new Uint8Array(size);
  out.set(tagBytes, 0);
  let at = tagBytes.length + 1;
  for (const e of encoded) {
    if (e === undefined) {
      out[at++] = 0xff;
      continue;
    }
    new DataView(out.buffer, out.byteOffset + at, 4).setUint32(0, e.length);
    out.set(e, at + 4);
    at += 4 + e.length;
  }
  return out;
}
