import { isDaichoError } from "@daicho/core";
import {
  compareBytes,
  encodeMapRecord,
  type MapRecord,
  type MapWrite,
  mapKey,
  mapPath,
} from "@daicho/core/map";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeTail, TailVersion, tailCount } from "./map-tail";

const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const record: fc.Arbitrary<MapRecord> = fc.oneof(
  fc.record({ kind: fc.constant("node" as const), left: hash32, right: hash32 }),
  fc.record({
    kind: fc.constant("leaf" as const),
    key: hash32,
    state: fc.record({
      count: fc.integer({ min: 1, max: Number.MAX_SAFE_INTEGER }),
      lastSeq: fc.nat({ max: Number.MAX_SAFE_INTEGER }),
      lastHash: hash32.map((h) => Buffer.from(h).toString("hex")),
    }),
  }),
);
/** A version's writes: distinct positions of every depth (0 to 256). */
const writes: fc.Arbitrary<MapWrite[]> = fc
  .uniqueArray(fc.tuple(fc.integer({ min: 0, max: 256 }), fc.string({ maxLength: 6 })), {
    maxLength: 40,
    selector: ([d, s]) => `${d}/${s}`,
  })
  .chain((at) =>
    fc
      .array(record, { minLength: at.length, maxLength: at.length })
      .map((rs) =>
        at.map(([d, s], i) => ({ path: mapPath(d, mapKey(s)), record: rs[i] as MapRecord })),
      ),
  )
  .map((ws) => {
    // Two subjects can share a prefix at a shallow depth: keep one write per path.
    const seen = new Set<string>();
    return ws.filter((w) => {
      const k = Buffer.from(w.path).toString("hex");
      if (seen.has(k)) return false;
      seen.add(k);
      return true;
    });
  });

const plain = (w: MapWrite) => ({
  path: Buffer.from(w.path).toString("hex"),
  record: Buffer.from(encodeMapRecord(w.record)).toString("hex"),
});

describe("a map version's tail row (map-tail.ts, spec §12.9)", () => {
  it("orders paths as SQLite orders BLOBs (Buffer.compare)", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), fc.uint8Array({ maxLength: 6 }), (a, b) => {
        expect(Math.sign(compareBytes(a, b))).toBe(Buffer.compare(a, b));
      }),
    );
  });

  it("decodes to the writes it encodes, in path order, and finds each of them and nothing else", () => {
    fc.assert(
      fc.property(writes, fc.uint8Array({ minLength: 2, maxLength: 34 }), (ws, other) => {
        const t = new TailVersion(7, encodeTail(ws));
        const sorted = [...ws].sort((x, y) => Buffer.compare(x.path, y.path));
        expect(t.size).toBe(ws.length);
        expect(t.writes().map(plain)).toEqual(sorted.map(plain));
        for (const w of ws)
          expect(plain(t.writes(t.find(w.path))[0] as MapWrite)).toEqual(plain(w));
        if (!ws.some((w) => Buffer.from(w.path).equals(other))) expect(t.find(other)).toBe(-1);
        const after = t.firstAfter(other);
        expect(t.writes(after).map(plain)).toEqual(
          sorted.filter((w) => Buffer.compare(w.path, other) > 0).map(plain),
        );
      }),
      { numRuns: 200 },
    );
  });

  it("refuses with STORE_CORRUPT, never decodes silently, any row cut, extended or with a byte of its layout changed (property)", () => {
    fc.assert(
      fc.property(
        writes.filter((ws) => ws.length > 0),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        fc.constantFrom("cut", "extend", "flip"),
        (ws, at, delta, how) => {
          const bytes = encodeTail(ws);
          let edited: Uint8Array;
          if (how === "cut") edited = bytes.subarray(0, at % bytes.length);
          else if (how === "extend") edited = Uint8Array.from([...bytes, delta]);
          else {
            edited = Uint8Array.from(bytes);
            const p = at % edited.length;
            edited[p] = ((edited[p] as number) + delta) & 0xff;
          }
          let decoded: TailVersion | undefined;
          try {
            decoded = new TailVersion(7, edited);
            decoded.writes();
          } catch (e) {
            expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
            return;
          }
          // A flipped byte inside a path or a record can leave a well-formed row: it must
          // then read as different writes (caught later by the hashes), never the same ones.
          expect(how).toBe("flip");
          expect(decoded.writes().map(plain)).not.toEqual(
            [...ws].sort((x, y) => Buffer.compare(x.path, y.path)).map(plain),
          );
        },
      ),
      { numRuns: 400 },
    );
  });

  it("checks a row's count against its length without reading the row", () => {
    const bytes = encodeTail([
      {
        path: mapPath(0, mapKey("a")),
        record: { kind: "node", left: new Uint8Array(32), right: new Uint8Array(32) },
      },
    ]);
    expect(tailCount(bytes.subarray(0, 4), 1, bytes.length)).toBe(1);
    for (const [head, length] of [
      [bytes.subarray(0, 3), bytes.length],
      [Uint8Array.of(0, 0, 0, 2), bytes.length],
      [Uint8Array.of(255, 255, 255, 255), bytes.length],
    ] as const)
      expect(() => tailCount(head, 1, length)).toThrow(/daicho_map_tail.*malformed/);
  });
});
