import { bytesToHex, hexToBytes, utf8ToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { hmacSha256, nativeHmacSha256, pureHmacSha256 } from "./hmac";

const native = nativeHmacSha256 as (key: Uint8Array, message: Uint8Array) => Uint8Array;

describe("HMAC-SHA256 backends", () => {
  it("runs on node:crypto under Node", () => {
    expect(nativeHmacSha256).toBeDefined();
    expect(hmacSha256).toBe(nativeHmacSha256);
  });

  it("falls back to the pure-JS implementation where the runtime has no Node built-ins", async () => {
    const original = process.getBuiltinModule;
    vi.resetModules();
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    try {
      const fresh = await import("./hmac");
      expect(fresh.nativeHmacSha256).toBeUndefined();
      expect(fresh.hmacSha256).toBe(fresh.pureHmacSha256);
    } finally {
      process.getBuiltinModule = original;
      vi.resetModules();
    }
  });

  it("matches RFC 4231 test case 2 on both backends", () => {
    const key = utf8ToBytes("Jefe");
    const data = utf8ToBytes("what do ya want for nothing?");
    const want = "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843";
    expect(bytesToHex(native(key, data))).toBe(want);
    expect(bytesToHex(pureHmacSha256(key, data))).toBe(want);
  });

  it("matches RFC 4231 test case 6 (a key longer than the block) on both backends", () => {
    const key = hexToBytes("aa".repeat(131));
    const data = utf8ToBytes("Test Using Larger Than Block-Size Key - Hash Key First");
    const want = "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54";
    expect(bytesToHex(native(key, data))).toBe(want);
    expect(bytesToHex(pureHmacSha256(key, data))).toBe(want);
  });

  it("native and pure-JS MACs are equal on random keys and messages, empty and large (property)", () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ maxLength: 150 }),
        fc.oneof(
          fc.uint8Array({ maxLength: 300 }),
          fc.integer({ min: 1, max: 1 << 20 }).map((n) => {
            const out = new Uint8Array(n);
            for (let i = 0; i < n; i++) out[i] = (i * 2654435761) >>> 24;
            return out;
          }),
        ),
        (key, message) => {
          const a = native(key, message);
          expect(Buffer.isBuffer(a)).toBe(false);
          expect(bytesToHex(a)).toBe(bytesToHex(pureHmacSha256(key, message)));
        },
      ),
      { numRuns: 100 },
    );
  });
});
