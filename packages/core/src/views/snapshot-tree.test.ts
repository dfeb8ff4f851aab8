import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { BodyError, decodeTree, encodeTree, MAX_DEPTH } from "./snapshot-tree";
import { bodyV3 } from "./snapshot-v3-vectors";

const roundTrip = (v: unknown) => {
  const b = encodeTree(v);
  return decodeTree(b, 0, b.length);
};

/** Any JSON value, with strings from every plane (BOM, CJK, emoji) and numbers of every kind. */
const jsonish = fc.letrec((tie) => ({
  value: fc.oneof(
    { depthSize: "small" },
    fc.constant(null),
    fc.boolean(),
    fc.string({ unit: "grapheme", maxLength: 12 }),
    fc.constantFrom("\uFEFFbom", "田中", "😀", "", "__proto__", "constructor", "0", "1e3"),
    fc.double(),
    fc.integer(),
    fc.constantFrom(-0, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 53, 1e300, 5e-324, 0.1),
    fc.array(tie("value"), { maxLength: 6 }),
    fc.dictionary(
      fc.oneof(fc.string({ maxLength: 6 }), fc.constantFrom("__proto__", "10", "toString")),
      tie("value"),
      { maxKeys: 6 },
    ),
  ),
})).value;

describe("snapshot v3 body (docs/spec.md §14.3)", () => {
  it("decodes to exactly what JSON.parse(JSON.stringify(v)) gives, member order included (property)", () => {
    fc.assert(
      fc.property(jsonish, (v) => {
        const back = roundTrip(v);
        expect(back).toStrictEqual(JSON.parse(JSON.stringify(v)));
        expect(JSON.stringify(back)).toBe(JSON.stringify(v));
      }),
      { numRuns: 2000 },
    );
  });

  it("is canonical: re-encoding a decoded body gives the same bytes (property)", () => {
    fc.assert(
      fc.property(jsonish, (v) => {
        const a = encodeTree(v);
        const b = encodeTree(decodeTree(a, 0, a.length));
        expect(Buffer.from(b).equals(Buffer.from(a))).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("writes each distinct string once, however often it repeats", () => {
    const ids = Array.from({ length: 1000 }, (_, i) => `c-${i % 10}`);
    const once = encodeTree(ids.slice(0, 10));
    const many = encodeTree(ids);
    // 990 more references of 2 bytes each (tag + index), not 990 more strings.
    expect(many.length - once.length).toBeLessThanOrEqual(990 * 2 + 2);
  });

  it("mirrors JSON for undefined, NaN, Infinity and −0", () => {
    const v = { a: undefined, b: [undefined, Number.NaN, Number.POSITIVE_INFINITY, -0], c: 1 };
    expect(roundTrip(v)).toStrictEqual({ b: [null, null, null, 0], c: 1 });
  });

  it("keeps objects of 128 members and more (the count is moved to fit its varint)", () => {
    for (const n of [127, 128, 200, 20_000]) {
      const o = Object.fromEntries(Array.from({ length: n }, (_, i) => [`k${i}`, i % 3 ? "x" : i]));
      expect(roundTrip({ before: 1, o, after: [o] })).toStrictEqual({ before: 1, o, after: [o] });
    }
  });

  it("refuses what JSON would change silently, with INVALID_ARGUMENT", () => {
    class Entry {
      x = 1;
    }
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_DEPTH; i++) deep = [deep];
    for (const bad of [new Map(), new Date(0), [1n], { e: new Entry() }, ["\uD800x"], deep]) {
      let thrown: unknown;
      try {
        encodeTree(bad);
      } catch (e) {
        thrown = e;
      }
      expect(isDaichoError(thrown) && thrown.code).toBe("INVALID_ARGUMENT");
    }
  });

  it("a __proto__ key stays an own member and never becomes the object's prototype (pollution attack)", () => {
    const body = bodyV3(["__proto__", "polluted"], [0x08, 0x01, 0x00, 0x08, 0x01, 0x01, 0x02]);
    const out = decodeTree(body, 0, body.length) as Record<string, unknown>;
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(Object.hasOwn(out, "__proto__")).toBe(true);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
    expect(out).toStrictEqual(JSON.parse('{"__proto__":{"polluted":true}}'));
  });

  it("hostile bytes: random input and every mutation of a real body either decode or throw BodyError, never anything else (property)", () => {
    const real = encodeTree({ a: ["x", "y", 1, -2, 0.5, { b: [true, null] }], c: "x" });
    const mutated = fc
      .tuple(fc.nat(real.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(real.length))
      .map(([i, b, cut]) => {
        const out = Uint8Array.from(real);
        out[i] = b;
        return out.subarray(0, Math.max(cut, i + 1));
      });
    fc.assert(
      fc.property(fc.oneof(fc.uint8Array({ maxLength: 64 }), mutated), (bytes) => {
        try {
          decodeTree(bytes, 0, bytes.length);
        } catch (e) {
          expect(e).toBeInstanceOf(BodyError);
          expect((e as BodyError).offset).toBeGreaterThanOrEqual(0);
          expect((e as BodyError).offset).toBeLessThanOrEqual(bytes.length);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("refuses a count larger than the input before allocating anything for it", () => {
    // 2^53 − 1 members would need petabytes: the check must come before `new Array`.
    const huge = bodyV3([], [0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(() => decodeTree(huge, 0, huge.length)).toThrow(/array length larger/);
    const manyStrings = Uint8Array.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0, 0x08, 0]);
    expect(() => decodeTree(manyStrings, 0, manyStrings.length)).toThrow(/string count larger/);
  });
});
