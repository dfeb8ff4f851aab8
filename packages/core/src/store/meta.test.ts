import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { decodeStoredMeta } from "./meta";

const meta = {
  ledgerId: "acme.example/crm",
  createdAt: "2026-12-05T00:00:00Z",
  envelopeVersion: 2,
};
const refused = (stored: unknown) => {
  try {
    decodeStoredMeta(stored, "the test file");
    return false;
  } catch (e) {
    expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
    expect(String((e as Error).message)).not.toContain("acme");
    return true;
  }
};

describe("stored ledger metadata", () => {
  it("reads back exactly what was written, from JSON text or a parsed value", () => {
    expect(decodeStoredMeta(JSON.stringify(meta), "f")).toEqual(meta);
    expect(decodeStoredMeta(meta, "f")).toEqual(meta);
  });

  it("refuses text that is not JSON, and values that are not objects", () => {
    for (const bad of ["", "{", "null", "[]", "42", null, 7, [meta]])
      expect(refused(bad)).toBe(true);
  });

  it("refuses any member renamed, dropped, added or retyped (property)", () => {
    const keys = Object.keys(meta) as (keyof typeof meta)[];
    const edit = fc.oneof(
      // rename one member by changing one character of its name
      fc
        .tuple(fc.constantFrom(...keys), fc.nat(), fc.integer({ min: 1, max: 94 }))
        .map(([k, p, d]) => {
          const i = p % k.length;
          const name =
            k.slice(0, i) +
            String.fromCharCode(((k.charCodeAt(i) - 32 + d) % 95) + 32) +
            k.slice(i + 1);
          const { [k]: value, ...rest } = meta;
          return { ...rest, [name]: value } as Record<string, unknown>;
        }),
      fc.constantFrom(...keys).map((k) => {
        const { [k]: _dropped, ...rest } = meta;
        return rest as Record<string, unknown>;
      }),
      fc
        .tuple(fc.string({ minLength: 1 }), fc.jsonValue())
        .filter(([k]) => !keys.includes(k as keyof typeof meta))
        .map(([k, v]) => ({ ...meta, [k]: v }) as Record<string, unknown>),
      fc
        .tuple(
          fc.constantFrom(...keys),
          fc.oneof(fc.integer(), fc.double(), fc.string(), fc.constant(null)),
        )
        .filter(
          ([k, v]) =>
            typeof v !== typeof meta[k] || (k === "envelopeVersion" && !Number.isInteger(v)),
        )
        .map(([k, v]) => ({ ...meta, [k]: v }) as Record<string, unknown>),
    );
    fc.assert(
      fc.property(edit, (edited) => {
        expect(refused(JSON.stringify(edited))).toBe(true);
        expect(refused(edited)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });
});
