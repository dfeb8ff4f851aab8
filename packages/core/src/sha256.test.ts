import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import { bytesToHex, utf8ToBytes } from "@noble/hashes/utils.js";
import fc from "fast-check";
import { describe, expect, it, vi } from "vitest";
import { leafHash, nodeHash } from "./merkle/hash";
import {
  nativeSha256,
  nativeSha256HexOfText,
  pureSha256,
  pureSha256HexOfText,
  SHA256_BACKEND,
  sha256Digest,
} from "./sha256";

const native = nativeSha256 as (data: Uint8Array) => Uint8Array;
const nativeText = nativeSha256HexOfText as (text: string) => string;

/** Inputs from empty up to 1 MiB, with lengths around the 64-byte block edges over-weighted. */
const bytes = fc.oneof(
  fc.uint8Array({ maxLength: 200 }),
  fc
    .integer({ min: 0, max: 4 })
    .chain((k) => fc.uint8Array({ minLength: 55 + 64 * k, maxLength: 65 + 64 * k })),
  fc.integer({ min: 1, max: 1 << 20 }).map((n) => {
    const out = new Uint8Array(n);
    for (let i = 0; i < n; i++) out[i] = (i * 2654435761) >>> 24;
    return out;
  }),
);

describe("SHA-256 backends", () => {
  it("runs on node:crypto under Node", () => {
    expect(SHA256_BACKEND).toBe("node:crypto");
    expect(nativeSha256).toBeDefined();
    expect(sha256Digest).toBe(nativeSha256);
  });

  it("falls back to the pure-JS implementation where the runtime has no Node built-ins (a browser)", async () => {
    const original = process.getBuiltinModule;
    vi.resetModules();
    (process as { getBuiltinModule?: unknown }).getBuiltinModule = undefined;
    try {
      const fresh = await import("./sha256");
      expect(fresh.SHA256_BACKEND).toBe("noble");
      expect(fresh.nativeSha256).toBeUndefined();
      expect(bytesToHex(fresh.sha256Digest(utf8ToBytes("abc")))).toBe(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      );
      expect(fresh.sha256HexOfText("abc")).toBe(
        "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
      );
    } finally {
      process.getBuiltinModule = original;
      vi.resetModules();
    }
  });

  it("native and pure-JS digests are equal on random bytes, empty and large (property)", () => {
    fc.assert(
      fc.property(bytes, (data) => {
        const a = native(data);
        expect(a).toBeInstanceOf(Uint8Array);
        expect(Buffer.isBuffer(a)).toBe(false);
        expect(bytesToHex(a)).toBe(bytesToHex(pureSha256(data)));
      }),
      { numRuns: 200 },
    );
  });

  it("native and pure-JS text digests are equal on any text, including lone surrogates (property)", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: "grapheme", maxLength: 1000 }),
          fc.string({ unit: "binary", maxLength: 300 }),
        ),
        (text) => {
          expect(nativeText(text)).toBe(pureSha256HexOfText(text));
          expect(nativeText(text)).toBe(bytesToHex(nobleSha256(utf8ToBytes(text))));
        },
      ),
      { numRuns: 150 },
    );
  });

  it("matches the FIPS 180-4 vectors for the empty string and 'abc'", () => {
    expect(bytesToHex(sha256Digest(new Uint8Array(0)))).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(bytesToHex(pureSha256(utf8ToBytes("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
    expect(bytesToHex(native(utf8ToBytes("abc")))).toBe(
      "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad",
    );
  });

  it("Merkle leaf and node hashes equal the streaming pure-JS definition, any length (property)", () => {
    fc.assert(
      fc.property(
        bytes,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        fc.uint8Array({ maxLength: 40 }),
        (leaf, left, right) => {
          const ref = nobleSha256.create().update(Uint8Array.of(0)).update(leaf).digest();
          expect(bytesToHex(leafHash(leaf))).toBe(bytesToHex(ref));
          const refNode = nobleSha256
            .create()
            .update(Uint8Array.of(1))
            .update(left)
            .update(right)
            .digest();
          expect(bytesToHex(nodeHash(left, right))).toBe(bytesToHex(refNode));
          // Results are fresh: a later hash (reusing the scratch buffer) does not change them.
          const first = nodeHash(left, left);
          const copy = bytesToHex(first);
          nodeHash(right.length === 32 ? right : left, left);
          expect(bytesToHex(first)).toBe(copy);
        },
      ),
      { numRuns: 100 },
    );
  });
});
