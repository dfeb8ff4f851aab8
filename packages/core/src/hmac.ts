import { hmac as nobleHmac } from "@noble/hashes/hmac.js";
import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";

/**
 * HMAC-SHA256 (RFC 2104), one implementation chosen once when this module loads, as in
 * `sha256.ts`: Node's native one (OpenSSL, `crypto.createHmac`) where the runtime has it,
 * else the pure-JS `@noble/hashes` one. Both compute the same function; `hmac.test.ts`
 * holds them equal by property test. It exists for long messages: a views snapshot of
 * 28–80 MiB is MACed in about 1.5 s by the pure-JS code and in tens of ms natively
 * (docs/benchmarks.md, "views snapshot v3").
 */

interface NodeHmac {
  update(data: Uint8Array): NodeHmac;
  digest(): Uint8Array;
}

function nativeCreateHmac(): ((key: Uint8Array) => NodeHmac) | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  if (typeof proc?.getBuiltinModule !== "function") return undefined;
  try {
    const crypto = proc.getBuiltinModule("node:crypto") as { createHmac?: unknown } | undefined;
    if (typeof crypto?.createHmac !== "function") return undefined;
    const createHmac = crypto.createHmac as (algorithm: string, key: Uint8Array) => NodeHmac;
    return (key) => createHmac("sha256", key);
  } catch {
    return undefined;
  }
}

const native = nativeCreateHmac();

/** HMAC-SHA256 through Node's OpenSSL binding; undefined where the runtime has none. */
export const nativeHmacSha256: ((key: Uint8Array, message: Uint8Array) => Uint8Array) | undefined =
  native === undefined
    ? undefined
    : (key, message) => {
        const b = native(key).update(message).digest();
        // A plain view, so callers never see Buffer's own toString/toJSON behaviour.
        return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
      };

/** HMAC-SHA256 in pure JavaScript (@noble/hashes), available everywhere. */
export const pureHmacSha256 = (key: Uint8Array, message: Uint8Array): Uint8Array =>
  nobleHmac(nobleSha256, key, message);

/** HMAC-SHA256 of `message` under `key`: 32 fresh bytes (the fastest implementation here). */
export const hmacSha256: (key: Uint8Array, message: Uint8Array) => Uint8Array =
  nativeHmacSha256 ?? pureHmacSha256;
