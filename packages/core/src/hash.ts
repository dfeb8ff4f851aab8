import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import { sha256Digest, sha256HexOfText } from "./sha256";

/**
 * SHA-256 with domain separation. Every hash Daichō computes is
 * `SHA-256(tag ‖ 0x00 ‖ message)` where `tag` is an ASCII label naming what is hashed,
 * so bytes hashed for one purpose can never be replayed as another (docs/spec.md §3).
 * Merkle tree hashing is the exception: it follows RFC 9162 exactly (0x00 / 0x01 prefixes).
 */
export const HASH_TAGS = {
  event: "daicho/event/v1",
  genesis: "daicho/genesis/v1",
  /** Envelope version 2 (docs/spec.md §13): hashed form, subject commitment, subject part. */
  eventV2: "daicho/event/v2",
  subjectCommit: "daicho/subject-commit/v1",
  subjectPart: "daicho/subject-part/v1",
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
  const prefix = tagPrefix(tag);
  const input = new Uint8Array(prefix.length + message.length);
  input.set(prefix, 0);
  input.set(message, prefix.length);
  return sha256Digest(input);
}

/**
 * hex(SHA-256(tag ‖ 0x00 ‖ UTF-8(text))) — the event hash's hot path. The tag is ASCII, so
 * `tag + "\0" + text` encodes to exactly those bytes and one one-shot digest of the string
 * (`sha256HexOfText`, native where the runtime has it) replaces a streaming hash object;
 * a property test holds it equal to `taggedHash` on arbitrary text.
 */
export function taggedHashHexOfText(tag: HashTag, text: string): string {
  return sha256HexOfText(`${tag}\u0000${text}`);
}

/** Plain SHA-256, for formats whose own standard fixes the input (RFC 9162, C2SP). */
export function sha256Bytes(message: Uint8Array): Uint8Array {
  return sha256Digest(message);
}

/** The genesis link: the `prevHash` of event 0, bound to the ledger's identifier. */
export function genesisHash(ledgerId: string): string {
  return bytesToHex(taggedHash(HASH_TAGS.genesis, utf8ToBytes(ledgerId)));
}

export { bytesToHex, hexToBytes, utf8ToBytes };
