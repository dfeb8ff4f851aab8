import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { ms } from "./event";

describe("ms", () => {
  it("reads canonical timestamps exactly as Date.parse does", () => {
    fc.assert(
      fc.property(fc.integer({ min: Date.UTC(1970, 0, 1), max: Date.UTC(9999, 11, 31) }), (t) => {
        const iso = new Date(t).toISOString();
        expect(ms(iso)).toBe(t);
      }),
      { numRuns: 2000 },
    );
    expect(ms("2026-04-01T09:00:00+09:00")).toBe(Date.parse("2026-04-01T00:00:00Z"));
  });
});
