import { createHash } from "node:crypto";
import { sha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * SHA-256 with domain separation. Every hash Daichō computes is
 * `SHA-256(tag ‖ 0x00 ‖ message)` where `tag` is an ASCII label naming what is hashed,
 * so bytes hashed for one purpose can never be replayed as another (docs/spec.md §3).
 * Merkle tree hashing is the exception: it follows RFC 9162 exactly (0x00 / 0x01 prefixes).
 */
export const HASH_TAGS = {
  event: "daicho/event/v1",
  genesis: "daicho/genesis/v1",
} as const;

export type HashTag = (typeof HASH_TAGS)[keyof typeof HASH_TAGS];

const tagPrefixes = new Map<string, Uint8Array>();

function tagPrefix(tag: string): Uint8Array {
  let prefix = tagPrefixes.get(tag);
  if (prefix === undefined) {
    const label = utf8ToBytes(tag);
    prefix = new Uint8Array(label.length + 1);
    prefix.set(label, 0); // trailing byte stays 0x00
    tagPrefixes.set(tag, prefix);
  }
  return prefix;
}

/** SHA-256(tag ‖ 0x00 ‖ message). */
export function taggedHash(tag: HashTag, message: Uint8Array): Uint8Array {
  return sha256.create().update(tagPrefix(tag)).update(message).digest();
}

/**
 * hex(SHA-256(tag ‖ 0x00 ‖ UTF-8(text))) — the event hash's hot path. Uses Node's native
 * SHA-256 (OpenSSL), about four times faster than the pure-JS one on event-sized inputs;
 * `taggedHash` (@noble/hashes) computes the same function and a property test holds the
 * two equal on arbitrary input.
 */
export function taggedHashHexOfText(tag: HashTag, text: string): string {
  return createHash("sha256").update(tagPrefix(tag)).update(text, "utf8").digest("hex");
}

/** Plain SHA-256, for formats whose own standard fixes the input (RFC 9162, C2SP). */
export function sha256Bytes(message: Uint8Array): Uint8Array {
  return sha256(message);
}

/** The genesis link: the `prevHash` of event 0, bound to the ledger's identifier. */
export function genesisHash(ledgerId: string): string {
  return bytesToHex(taggedHash(HASH_TAGS.genesis, utf8ToBytes(ledgerId)));
}

export { bytesToHex, hexToBytes, utf8ToBytes };
