/**
 * Cross-check of our RFC 8785 canonicaliser against an independent implementation from
 * the registry (`canonicalize`, maintained by RFC 8785's co-author): on any JSON value
 * both must write the same text, and on anything RFC 8785 refuses both must refuse.
 * Ours has a fast path and a slow path; the generators reach both (integer-like member
 * names force the slow path).
 */
import independent from "canonicalize";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { canonicalForm, canonicalize } from "./canonical";

/** No lone surrogate (`String.prototype.isWellFormed`, which lib ES2023 does not type). */
const wellFormed = (s: string): boolean => !/\p{Cs}/u.test(s);

const ours = (value: unknown): string | undefined => {
  const r = canonicalize(value);
  return E.isRight(r) ? r.right : undefined;
};

/** Member names that stress the sort order: integer-like, astral, BMP, empty. */
const memberName = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 6 }),
  fc.string({ unit: "binary", maxLength: 4 }).filter(wellFormed),
  fc.nat({ max: 1000 }).map(String),
  fc.constantFrom(
    "",
    "\u20ac",
    "\ud83d\ude00",
    "\u00e9",
    "a",
    "A",
    "1",
    "10",
    "01",
    "-1",
    "__proto__",
  ),
);

/** Numbers across the ranges where ECMAScript switches between notations. */
const number = fc.oneof(
  fc.double({ noNaN: true, noDefaultInfinity: true }),
  fc.integer(),
  fc.constantFrom(-0, 1e21, 1e-7, 2 ** 53 + 2, 5e-324, 1.7976931348623157e308, 0.1 + 0.2),
);

const json = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    number,
    fc.string({ unit: "binary", maxLength: 12 }).filter(wellFormed),
    fc.array(tie("value"), { maxLength: 5 }),
    fc.dictionary(memberName, tie("value"), { maxKeys: 6 }),
  ),
})).value;

describe("canonicalize agrees with an independent RFC 8785 implementation", () => {
  it("writes the same text for any JSON value (property)", () => {
    fc.assert(
      fc.property(json, (value) => {
        expect(ours(value)).toBe(independent(value));
      }),
      { numRuns: 3000 },
    );
  });

  it("writes the same text for fast-check's own JSON values, Unicode included (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (value) => {
        expect(ours(value)).toBe(independent(value));
      }),
      { numRuns: 1000 },
    );
  });

  it("keeps a member named __proto__, as JSON.parse gives it, in the text and the copy", () => {
    for (const text of [
      '{"__proto__":null}',
      '{"a":1,"__proto__":[2],"z":{"__proto__":{"b":3}}}',
    ]) {
      const value = JSON.parse(text);
      expect(ours(value)).toBe(independent(value));
      const { text: canonical, copy } = canonicalForm(value);
      expect(canonical).toBe(independent(value));
      expect(Object.getPrototypeOf(copy)).toBe(Object.prototype);
      expect(JSON.stringify(copy)).toBe(JSON.stringify(JSON.parse(canonical)));
    }
  });

  it("refuses what both refuse: lone surrogates, NaN and infinities, at any depth (property)", () => {
    const poison = fc.oneof(
      fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY),
      fc.constantFrom("\ud800", "x\udfff", "\udc00\ud800"),
    );
    const nested = fc
      .tuple(poison, fc.array(fc.constantFrom("a", "0", "\u00e9"), { maxLength: 3 }))
      .map(([bad, path]) => path.reduceRight<unknown>((inner, k) => ({ [k]: [inner] }), bad));
    fc.assert(
      fc.property(nested, (value) => {
        expect(ours(value)).toBeUndefined();
        expect(() => independent(value)).toThrow();
      }),
    );
    expect(ours({ "\ud800": 1 })).toBeUndefined();
    expect(() => independent({ "\ud800": 1 })).toThrow();
  });
});
