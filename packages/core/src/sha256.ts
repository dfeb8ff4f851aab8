import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";

/**
 * Plain SHA-256 (FIPS 180-4), one implementation chosen once when this module loads:
 * Node's native one (OpenSSL, through `crypto.hash`) where the runtime has it, else the
 * pure-JS `@noble/hashes` one (browsers, workers without Node built-ins). Both compute the
 * same function; `sha256.test.ts` holds them equal by property test on random inputs,
 * empty and large included. Every hash Daichō computes goes through `sha256Digest` (bytes)
 * or `sha256HexOfText` (the event hash's path: UTF-8 text in, hex out), never a third copy.
 *
 * The native module is reached through `process.getBuiltinModule` (Node ≥ 20.16) rather
 * than a static import, so a bundle for the browser carries no `node:crypto` import that
 * a bundler must shim or that fails to resolve.
 */

/** The SHA-256 implementations this module can run on. */
export type Sha256Backend = "node:crypto" | "noble";

interface NodeHash {
  (algorithm: string, data: Uint8Array, outputEncoding: "buffer"): Uint8Array;
  (algorithm: string, data: string, outputEncoding: "hex"): string;
}

function nativeHash(): NodeHash | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return undefined;
  try {
    const crypto = proc.getBuiltinModule("node:crypto") as { hash?: unknown } | undefined;
    // `crypto.hash` (one-shot, no Hash object) exists from Node 20.12 / 21.7.
    return typeof crypto?.hash === "function" ? (crypto.hash as NodeHash) : undefined;
  } catch {
    return undefined;
  }
}

const native = nativeHash();

/** SHA-256 through Node's OpenSSL binding; undefined where the runtime has none. */
export const nativeSha256: ((data: Uint8Array) => Uint8Array) | undefined =
  native === undefined
    ? undefined
    : (data) => {
        // A Buffer is a Uint8Array; hand out a plain view so callers never see Buffer's
        // own toString/toJSON behaviour.
        const b = native("sha256", data, "buffer");
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      };

/** SHA-256 in pure JavaScript (@noble/hashes), available everywhere. */
export const pureSha256 = (data: Uint8Array): Uint8Array => nobleSha256(data);

/** Which implementation `sha256Digest` runs on in this runtime. */
export const SHA256_BACKEND: Sha256Backend = nativeSha256 === undefined ? "noble" : "node:crypto";

/** SHA-256 of `data`: 32 fresh bytes (the fastest implementation this runtime has). */
export const sha256Digest: (data: Uint8Array) => Uint8Array = nativeSha256 ?? pureSha256;

/** hex(SHA-256(UTF-8(text))) through Node's OpenSSL binding; undefined where there is none. */
export const nativeSha256HexOfText: ((text: string) => string) | undefined =
  native === undefined ? undefined : (text) => native("sha256", text, "hex");

/** hex(SHA-256(UTF-8(text))) in pure JavaScript. */
export const pureSha256HexOfText = (text: string): string =>
  bytesToHex(nobleSha256(utf8ToBytes(text)));

/**
 * hex(SHA-256(UTF-8(text))), lower-case: the event hash's hot path, where the input is
 * already a string (the canonical body) and the output is stored as hex. A lone UTF-16
 * surrogate encodes as U+FFFD on both implementations (canonical bodies never hold one).
 */
export const sha256HexOfText: (text: string) => string =
  nativeSha256HexOfText ?? pureSha256HexOfText;
