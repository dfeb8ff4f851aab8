/**
 * Standard base64 (RFC 4648 §4) with padding, strict, on `@scure/base`: the decoder
 * accepts only the canonical encoding of some byte string (no white space, no missing or
 * extra padding, no non-zero bits in the last character's unused part, nothing outside
 * the standard alphabet), so a signature or a root has exactly one text form and cannot
 * be altered without changing its bytes (docs/spec.md §8.1–8.2: "canonical base64 only").
 */
import { base64 } from "@scure/base";

/** Encode bytes as standard padded base64. */
export function toBase64(bytes: Uint8Array): string {
  return base64.encode(bytes);
}

/**
 * Decode canonical standard base64; undefined for anything else. The codec's own error
 * is dropped on purpose: it quotes the offending character, and the text is hostile.
 */
export function fromBase64(text: string): Uint8Array | undefined {
  if (typeof text !== "string") return undefined;
  try {
    return base64.decode(text);
  } catch {
    return undefined;
  }
}
