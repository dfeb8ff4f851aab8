/**
 * The byte formats of C2SP tlog-cosignature v1.0.0, Ed25519 kind ("cosignature/v1",
 * signature type 0x04), with no key handling (keys.ts and signer.ts build on these):
 *
 *   signature line blob:  key ID (4) ‖ timestamp (8, big-endian u64) ‖ Ed25519 signature (64)
 *   signed message:       "cosignature/v1\n" ‖ "time " ‖ decimal(timestamp) ‖ "\n" ‖ note text
 *   key ID:               SHA-256(name ‖ 0x0A ‖ 0x04 ‖ 32-byte public key)[:4]
 *
 * The note text is the whole checkpoint body including its final newline (and any
 * extension lines), without the blank line and signature lines. The timestamp is POSIX
 * seconds, written in ASCII decimal without leading zeros.
 */
export const COSIGNATURE_V1_TYPE = 0x04;

/** The header line (without its newline) that separates cosignature/v1 messages from others. */
export const COSIGNATURE_V1_HEADER = "cosignature/v1";

/** Bytes after the key ID: 8-byte timestamp and 64-byte Ed25519 signature. */
export const COSIGNATURE_V1_SIZE = 72;

/**
 * The largest timestamp Daichō accepts or writes: 2^53 − 1 seconds (far in the future;
 * tlog-cosignature allows verifiers to reject future timestamps, and the format's own
 * bound is 2^63 − 1). Keeping timestamps exact JavaScript numbers avoids any rounding.
 */
export const MAX_COSIGNATURE_TIMESTAMP = Number.MAX_SAFE_INTEGER;

/** True when `t` is a timestamp this implementation can sign or check. */
export function isCosignatureTimestamp(t: number): boolean {
  return Number.isSafeInteger(t) && t >= 0 && t <= MAX_COSIGNATURE_TIMESTAMP;
}

/**
 * The exact bytes an Ed25519 cosignature/v1 signs: the header line, the `time` line and
 * the note text's bytes. Throws RangeError for a timestamp outside
 * [0, {@link MAX_COSIGNATURE_TIMESTAMP}] — callers validate first.
 */
export function cosignatureV1Message(timestamp: number, text: Uint8Array): Uint8Array {
  if (!isCosignatureTimestamp(timestamp)) throw new RangeError("cosignature timestamp");
  const head = new TextEncoder().encode(`${COSIGNATURE_V1_HEADER}\ntime ${timestamp}\n`);
  const out = new Uint8Array(head.length + text.length);
  out.set(head, 0);
  out.set(text, head.length);
  return out;
}

/** The 72-byte signature blob `timestamp (u64, big-endian) ‖ signature (64 bytes)`. */
export function joinCosignatureV1(timestamp: number, signature: Uint8Array): Uint8Array {
  if (!isCosignatureTimestamp(timestamp)) throw new RangeError("cosignature timestamp");
  if (signature.length !== 64) throw new RangeError("an Ed25519 signature is 64 bytes");
  const out = new Uint8Array(COSIGNATURE_V1_SIZE);
  new DataView(out.buffer).setBigUint64(0, BigInt(timestamp), false);
  out.set(signature, 8);
  return out;
}

/**
 * Split a signature blob (the bytes after the key ID) into its timestamp and Ed25519
 * signature. Undefined when it is not 72 bytes or its timestamp is beyond
 * {@link MAX_COSIGNATURE_TIMESTAMP}; such a blob never verifies.
 */
export function splitCosignatureV1(
  blob: Uint8Array,
): { timestamp: number; signature: Uint8Array } | undefined {
  if (blob.length !== COSIGNATURE_V1_SIZE) return undefined;
  const t = new DataView(blob.buffer, blob.byteOffset, 8).getBigUint64(0, false);
  if (t > BigInt(MAX_COSIGNATURE_TIMESTAMP)) return undefined;
  return { timestamp: Number(t), signature: blob.slice(8) };
}
