/**
 * Byte encodings the personal-data format uses (docs/spec.md, "Personal data: sealing
 * and crypto-shredding"): unpadded base64url (RFC 4648 §5) for nonces and ciphertexts,
 * and length-prefixed strings for associated data. Base64url comes from `@scure/base`
 * (pure JavaScript, no `Buffer`), so the pure core runs unchanged in browsers and edge
 * runtimes.
 */
import { base64urlnopad } from "@scure/base";

/** Unpadded base64url of `bytes`. */
export function toBase64Url(bytes: Uint8Array): string {
  return base64urlnopad.encode(bytes);
}

/**
 * Decode unpadded base64url; undefined for anything else (padding, other alphabets,
 * a length that no byte string has, non-zero trailing bits). Strict because the text
 * is attacker-controlled: two spellings of one ciphertext must not both be accepted.
 * The codec's own error is dropped: it quotes the offending character.
 */
export function fromBase64Url(text: string): Uint8Array | undefined {
  if (typeof text !== "string") return undefined;
  try {
    return base64urlnopad.decode(text);
  } catch {
    return undefined;
  }
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
