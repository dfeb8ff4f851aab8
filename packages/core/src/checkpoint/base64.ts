/**
 * Standard base64 (RFC 4648 §4) with padding, strict: the decoder accepts only the
 * canonical encoding of some byte string (no white space, no missing or extra padding,
 * no non-zero bits in the last character's unused part), so a signature or a root has
 * exactly one text form and cannot be altered without changing its bytes.
 */
const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const VALUES = new Map([...ALPHABET].map((c, i) => [c, i]));

/** Encode bytes as standard padded base64. */
export function toBase64(bytes: Uint8Array): string {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const b0 = bytes[i] as number;
    const b1 = bytes[i + 1];
    const b2 = bytes[i + 2];
    out += ALPHABET[b0 >> 2];
    out += ALPHABET[((b0 & 3) << 4) | ((b1 ?? 0) >> 4)];
    out += b1 === undefined ? "=" : ALPHABET[((b1 & 15) << 2) | ((b2 ?? 0) >> 6)];
    out += b2 === undefined ? "=" : ALPHABET[b2 & 63];
  }
  return out;
}

/** Decode canonical standard base64; undefined for anything else. */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== "string" || text.length % 4 !== 0) return undefined;
  const pad = text.endsWith("==") ? 2 : text.endsWith("=") ? 1 : 0;
  const out = new Uint8Array((text.length / 4) * 3 - pad);
  let o = 0;
  for (let i = 0; i < text.length; i += 4) {
    const last = i + 4 === text.length;
    const v: number[] = [];
    for (let j = 0; j < 4; j++) {
      const c = text[i + j] as string;
      if (c === "=" && last && j >= 4 - pad) {
        v.push(0);
        continue;
      }
      const x = VALUES.get(c);
      if (x === undefined) return undefined;
      v.push(x);
    }
    const [a, b, c, d] = v as [number, number, number, number];
    const n = (a << 18) | (b << 12) | (c << 6) | d;
    if (last && pad === 2 && (b & 15) !== 0) return undefined;
    if (last && pad === 1 && (c & 3) !== 0) return undefined;
    out[o++] = (n >> 16) & 255;
    if (o < out.length) out[o++] = (n >> 8) & 255;
    if (o < out.length) out[o++] = n & 255;
  }
  return out;
}
