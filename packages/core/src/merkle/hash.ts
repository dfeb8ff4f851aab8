import { DaichoError } from "../errors";
import { sha256Digest } from "../sha256";

/**
 * RFC 6962 / RFC 9162 §2.1.1 tree hashing with SHA-256. These two functions are the
 * only place the 0x00 / 0x01 domain prefixes appear (docs/spec.md "Merkle tree").
 */
export const HASH_SIZE = 32;

// One message buffer per shape, reused: hashing is synchronous and `sha256Digest` returns
// fresh bytes, so a one-shot digest of a filled buffer beats a streaming hash object
// (about 3× on 65-byte nodes with node:crypto; docs/benchmarks.md "merkle").
const leafScratch = new Uint8Array(1 + HASH_SIZE); // leafScratch[0] stays 0x00
const nodeScratch = new Uint8Array(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

/** MTH({d}) = SHA-256(0x00 ‖ d): the hash of one leaf whose bytes are `leafData`. */
export function leafHash(leafData: Uint8Array): Uint8Array {
  if (leafData.length !== HASH_SIZE) {
    const message = new Uint8Array(1 + leafData.length);
    message.set(leafData, 1);
    return sha256Digest(message);
  }
  leafScratch.set(leafData, 1);
  return sha256Digest(leafScratch);
}

/** SHA-256(0x01 ‖ left ‖ right): the hash of an interior node. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Uint8Array {
  if (left.length !== HASH_SIZE || right.length !== HASH_SIZE) {
    const message = new Uint8Array(1 + left.length + right.length);
    message[0] = 0x01;
    message.set(left, 1);
    message.set(right, 1 + left.length);
    return sha256Digest(message);
  }
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return sha256Digest(nodeScratch);
}

/** MTH({}) = SHA-256(""): the root of the empty tree. */
export const EMPTY_ROOT: Uint8Array = sha256Digest(new Uint8Array(0));

const HEX64 = /^[0-9a-f]{64}$/;

/** The value of a lower-case hex digit's char code (0-9: 48-57, a-f: 97-102). */
function hexDigit(c: number): number {
  return c <= 57 ? c - 48 : c - 87;
}

/**
 * The leaf bytes of a Daichō event: the 32 raw bytes of its event hash (docs/spec.md
 * "Merkle tree" §leaf). `eventHashHex` must be 64 lower-case hex digits, as stored.
 */
export function eventLeafData(eventHashHex: string): Uint8Array {
  if (!HEX64.test(eventHashHex)) {
    throw new DaichoError("INVALID_ARGUMENT", "an event hash is 64 lower-case hex digits", {
      path: "hash",
    });
  }
  // Digit by digit from char codes (the regex above admits only 0-9a-f): a hot path of
  // tree and map hashing, where slicing and parseInt per byte cost more than the hash.
  const out = new Uint8Array(HASH_SIZE);
  for (let i = 0; i < HASH_SIZE; i++)
    out[i] =
      (hexDigit(eventHashHex.charCodeAt(2 * i)) << 4) |
      hexDigit(eventHashHex.charCodeAt(2 * i + 1));
  return out;
}

/** The Merkle leaf hash of an event: SHA-256(0x00 ‖ eventHashBytes). */
export function eventLeafHash(eventHashHex: string): Uint8Array {
  return leafHash(eventLeafData(eventHashHex));
}

/** Constant-length byte equality (not secret-dependent: hashes here are public). */
export function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= (a[i] as number) ^ (b[i] as number);
  return diff === 0;
}
