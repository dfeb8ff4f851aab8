import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { canonicalize } from "./canonical";

const vectors = JSON.parse(
  readFileSync(new URL("../../../docs/vectors/canonical.json", import.meta.url), "utf8"),
) as { cases: { name: string; inputText: string; canonical: string }[] };

const canon = (v: unknown) => {
  const r = canonicalize(v);
  if (E.isLeft(r)) throw r.left;
  return r.right;
};

describe("canonicalize (RFC 8785)", () => {
  for (const c of vectors.cases) {
    it(`reproduces the committed vector: ${c.name}`, () => {
      expect(canon(JSON.parse(c.inputText))).toBe(c.canonical);
    });
  }

  it("sorts members by UTF-16 code units as RFC 8785 §3.2.3 shows", () => {
    const out = canon({
      "\u20ac": 1,
      "\r": 2,
      "\ufb33": 3,
      "1": 4,
      "\ud83d\ude00": 5,
      "\u0080": 6,
      "\u00f6": 7,
    });
    expect(out).toBe(
      '{"\\r":2,"1":4,"\u0080":6,"\u00f6":7,"\u20ac":1,"\ud83d\ude00":5,"\ufb33":3}',
    );
    expect(canon({ b: 1, a: 2 })).toBe('{"a":2,"b":1}');
    // Integer-like names sort as strings, not numbers (JSON.stringify alone would write 9 first).
    expect(canon({ a: 3, 9: 2, 10: 1, "01": 0 })).toBe('{"01":0,"10":1,"9":2,"a":3}');
  });

  it("rejects what JSON cannot carry, naming the path", () => {
    for (const [value, path] of [
      [{ a: [1, Number.NaN] }, "$.a[1]"],
      [{ x: Number.POSITIVE_INFINITY }, "$.x"],
      [{ s: "lone \ud800 surrogate" }, "$.s"],
      [{ f: () => 1 }, "$.f"],
      [{ d: new Date(0) }, "$.d"],
    ] as const) {
      const r = canonicalize(value);
      expect(E.isLeft(r) && r.left.code === "CANONICALIZATION_ERROR" && r.left.path === path).toBe(
        true,
      );
    }
  });

  it("is idempotent and independent of member order (property)", () => {
    fc.assert(
      fc.property(fc.jsonValue({ noUnicodeString: false }), (value) => {
        const once = canon(value);
        expect(canon(JSON.parse(once))).toBe(once);
        const shuffled = JSON.parse(once, (_k, v) =>
          v !== null && typeof v === "object" && !Array.isArray(v)
            ? Object.fromEntries(Object.entries(v).reverse())
            : v,
        );
        expect(canon(shuffled)).toBe(once);
      }),
      { numRuns: 300 },
    );
  });
});
