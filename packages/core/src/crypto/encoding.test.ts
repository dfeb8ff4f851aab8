/**
 * Strictness of the two base64 codecs the formats use (docs/spec.md §8.1–8.2: checkpoint
 * roots and signatures are "canonical base64 only"; §10.1: personal-data base64url
 * "MUST be canonical: no padding, no characters outside the URL-safe alphabet, zero
 * trailing bits"). The oracle is Node's `Buffer`, which decodes leniently: a text is
 * canonical exactly when re-encoding what `Buffer` reads from it gives the text back.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "../checkpoint/base64";
import { fromBase64Url, toBase64Url } from "./encoding";

interface Codec {
  readonly name: string;
  readonly encode: (bytes: Uint8Array) => string;
  readonly decode: (text: string) => Uint8Array | undefined;
  readonly buffer: "base64" | "base64url";
  readonly alphabet: string;
  /** The spec's negative cases for this encoding, each with why it must be refused. */
  readonly refused: readonly (readonly [string, string])[];
}

const LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";

const codecs: readonly Codec[] = [
  {
    name: "standard padded base64 (checkpoints, signatures, keys)",
    encode: toBase64,
    decode: fromBase64,
    buffer: "base64",
    alphabet: `${LETTERS}+/`,
    refused: [
      ["AAA", "missing padding"],
      ["AA=", "short padding"],
      ["AAAA=", "padding after a full quantum"],
      ["A===", "three padding characters"],
      ["====", "padding only"],
      ["AA=A", "padding inside the text"],
      ["AA==AA==", "padding in the middle of the text"],
      ["AB==", "non-zero trailing bits (one byte)"],
      ["AAB=", "non-zero trailing bits (two bytes)"],
      ["-_8=", "the URL-safe alphabet"],
      [" AAA", "leading white space"],
      ["AAAA\n", "a trailing newline"],
      ["AA\u00e9=", "a non-ASCII character"],
    ],
  },
  {
    name: "unpadded base64url (sealed personal fields)",
    encode: toBase64Url,
    decode: fromBase64Url,
    buffer: "base64url",
    alphabet: `${LETTERS}-_`,
    refused: [
      ["QQ==", "padding"],
      ["QUE=", "padding"],
      ["Q", "a length no byte string has"],
      ["QUJDR", "a length no byte string has"],
      ["QR", "non-zero trailing bits (one byte)"],
      ["QUF", "non-zero trailing bits (two bytes)"],
      ["a+b/", "the standard alphabet"],
      ["QU J", "inner white space"],
      ["QUJD\n", "a trailing newline"],
      ["QU\u00e9", "a non-ASCII character"],
    ],
  },
];

/** Texts near canonical ones: an encoding with one character replaced, added or removed. */
function nearCanonical(c: Codec): fc.Arbitrary<string> {
  const noise = fc.constantFrom(...`${c.alphabet}=+/-_ \n\u00e9`);
  return fc
    .tuple(fc.uint8Array({ maxLength: 40 }), fc.nat(), noise, fc.constantFrom(0, 1, 2))
    .map(([bytes, at, ch, edit]) => {
      const text = c.encode(bytes);
      const i = text.length === 0 ? 0 : at % (text.length + 1);
      if (edit === 0) return text.slice(0, i) + ch + text.slice(i + 1);
      if (edit === 1) return text.slice(0, i) + ch + text.slice(i);
      return text.slice(0, i) + text.slice(i + 1);
    });
}

describe.each(codecs)("$name", (c) => {
  it("encodes as Node does and round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (bytes) => {
        const text = c.encode(bytes);
        expect(text).toBe(Buffer.from(bytes).toString(c.buffer));
        expect(c.decode(text)).toEqual(bytes);
      }),
    );
  });

  it.each(c.refused)("refuses %j (%s)", (text) => {
    expect(c.decode(text)).toBeUndefined();
  });

  it("accepts a text exactly when it is the canonical encoding of its bytes", () => {
    const isCanonical = (text: string) => Buffer.from(text, c.buffer).toString(c.buffer) === text;
    const texts = fc.oneof(
      nearCanonical(c),
      fc.string({ unit: fc.constantFrom(...`${c.alphabet}=`), maxLength: 12 }),
    );
    fc.assert(
      fc.property(texts, (text) => {
        const decoded = c.decode(text);
        expect(decoded !== undefined).toBe(isCanonical(text));
        if (decoded !== undefined) expect(c.encode(decoded)).toBe(text);
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses a value that is not a string without throwing", () => {
    for (const v of [undefined, null, 42, ["AAAA"], { length: 4 }]) {
      expect(c.decode(v as unknown as string)).toBeUndefined();
    }
  });
});
