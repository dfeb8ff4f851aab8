import { base64 } from "@scure/base";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBase64, fromBase64Hash, toBase64 } from "./base64";

/** The reference: the generic codec, undefined where it throws. */
function reference(text: string): Uint8Array | undefined {
  try {
    return base64.decode(text);
  } catch {
    return undefined;
  }
}

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
/** Characters a hostile 44-character text may hold: the alphabet, padding, near misses. */
const hostileChar = fc.oneof(
  fc.constantFrom(...ALPHABET, "=", "-", "_", " ", "\n", "\u0000", "\u00c0", "\uff21", "\ud800"),
  fc.string({ minLength: 1, maxLength: 1, unit: "binary" }),
);
/** A canonical encoding of 32 bytes with one position replaced by a hostile character. */
const mutated = fc
  .tuple(fc.uint8Array({ minLength: 32, maxLength: 32 }), fc.nat(43), hostileChar)
  .map(([bytes, at, c]) => {
    const t = toBase64(bytes);
    return t.slice(0, at) + c + t.slice(at + 1);
  });

describe("fromBase64Hash (the 44-character fast path)", () => {
  it("encodes and decodes every 32-byte value as the generic codec does", () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (bytes) => {
        const text = toBase64(bytes);
        expect(text).toBe(base64.encode(bytes));
        expect(fromBase64Hash(text)).toEqual(bytes);
        expect(fromBase64(text)).toEqual(reference(text));
      }),
      { numRuns: 500 },
    );
  });

  it("accepts and refuses exactly the texts the generic codec does", () => {
    const arbitrary44 = fc
      .array(hostileChar, { minLength: 44, maxLength: 44 })
      .map((cs) => cs.join("").slice(0, 44));
    fc.assert(
      fc.property(fc.oneof(mutated, arbitrary44), (text) => {
        const ref = reference(text);
        expect(fromBase64Hash(text)).toEqual(ref?.length === 32 ? ref : undefined);
        expect(fromBase64(text)).toEqual(ref);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses non-zero unused bits, missing or extra padding, and the URL alphabet", () => {
    const good = toBase64(new Uint8Array(32).fill(0xff)); // "//…/8="
    expect(fromBase64Hash(good)).toEqual(new Uint8Array(32).fill(0xff));
    // 44 characters without padding are 33 bytes: the generic codec's, never the fast path's.
    const longer = `${good.slice(0, 43)}A`;
    expect(fromBase64(longer)?.length).toBe(33);
    expect(fromBase64Hash(longer)).toBeUndefined();
    for (const bad of [
      `${good.slice(0, 42)}9=`, // unused bits set
      good.slice(0, 43), // no padding
      `${good.slice(0, 42)}==`, // padding too early
      good.replaceAll("/", "_"),
      `${good.slice(0, 10)}\u00a0${good.slice(11)}`,
    ]) {
      expect(reference(bad)).toBeUndefined();
      expect(fromBase64Hash(bad)).toBeUndefined();
      expect(fromBase64(bad)).toBeUndefined();
    }
  });
});
