import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { FlatSubjectMap } from "./flat-map";
import { flatVersionProblem } from "./flat-version-check";
import { EMPTY, type MapState } from "./hash";
import { type MapWrite, mapPath } from "./record";
import { SubjectMap } from "./subject-map";
import { versionProblem } from "./version-check";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const stateArb = fc.record({
  count: fc.integer({ min: 1, max: 2 ** 40 }),
  lastSeq: fc.integer({ min: 0, max: 2 ** 52 }),
  lastHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
});
/**
 * Keys from a small pool, so updates repeat keys; some pool keys share long prefixes (the
 * first key with one late bit flipped), which forces long split chains.
 */
const poolArb = fc
  .array(fc.uint8Array({ minLength: 32, maxLength: 32 }), { minLength: 1, maxLength: 12 })
  .chain((keys) =>
    fc.array(fc.integer({ min: 0, max: 255 }), { maxLength: 3 }).map((bits) => {
      const first = keys[0] as Uint8Array;
      const near = bits.map((b) => {
        const k = first.slice();
        k[b >> 3] = (k[b >> 3] as number) ^ (1 << (7 - (b & 7)));
        return k;
      });
      return [...keys, ...near];
    }),
  );
/** Batches of updates (key index, state) over a pool of keys: one batch per map version. */
const scenarioArb = poolArb.chain((pool) =>
  fc.record({
    pool: fc.constant(pool),
    batches: fc.array(
      fc.array(fc.tuple(fc.nat({ max: pool.length - 1 }), stateArb), { maxLength: 20 }),
      { maxLength: 5 },
    ),
  }),
);

/** A record or write as text (deep equality over byte arrays is slow in `expect`). */
const show = (x: unknown) =>
  JSON.stringify(x, (_, v) => (v instanceof Uint8Array ? hex(v) : v)) ?? "none";

function both() {
  return { objects: new SubjectMap(), flat: new FlatSubjectMap() };
}

function apply(
  maps: ReturnType<typeof both>,
  pool: readonly Uint8Array[],
  batch: readonly [number, MapState][],
) {
  for (const [i, st] of batch) {
    const key = pool[i] as Uint8Array;
    maps.objects.set(key, st);
    maps.flat.set(key, st.count, st.lastSeq, st.lastHash);
  }
}

/** Every position of `writes` plus its neighbours: one level up and down, padding set. */
function probes(writes: readonly MapWrite[]): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(0), mapPath(0, EMPTY), Uint8Array.of(1, 1, 0)];
  for (const w of writes) {
    out.push(w.path);
    const depth = ((w.path[0] as number) << 8) | (w.path[1] as number);
    const prefix = new Uint8Array(32);
    prefix.set(w.path.subarray(2));
    if (depth < 256) out.push(mapPath(depth + 1, prefix));
    if (depth > 0) out.push(mapPath(depth - 1, prefix));
    const padded = w.path.slice();
    if ((depth & 7) !== 0) padded[padded.length - 1] = (padded[padded.length - 1] as number) | 1;
    out.push(padded);
  }
  return out;
}

describe("FlatSubjectMap", () => {
  it("has the empty root, and a single key's root, as SubjectMap does", () => {
    const maps = both();
    expect(hex(maps.flat.root())).toBe(hex(EMPTY));
    expect(maps.flat.changes()).toEqual([]);
    expect(maps.flat.recordAt(mapPath(0, EMPTY))).toBeUndefined();
    const key = new Uint8Array(32).fill(7);
    apply(maps, [key], [[0, { count: 1, lastSeq: 0, lastHash: "ab".repeat(32) }]]);
    expect(hex(maps.flat.root())).toBe(hex(maps.objects.root()));
    expect(maps.flat.changes()).toEqual(maps.objects.changes());
    expect(maps.flat.count(key)).toBe(1);
    expect(maps.flat.count(new Uint8Array(32))).toBe(0);
  });

  it("gives SubjectMap's root, changes, records and counts after every batch of updates", () => {
    fc.assert(
      fc.property(scenarioArb, ({ pool, batches }) => {
        const maps = both();
        for (const batch of batches) {
          apply(maps, pool, batch);
          expect(hex(maps.flat.root())).toBe(hex(maps.objects.root()));
          const changes = maps.objects.changes();
          expect(maps.flat.changes().map(show)).toEqual(changes.map(show));
          // One comparison per batch (an expect per probe is most of the time of this test).
          const at = probes(changes);
          expect(at.map((p) => show(maps.flat.recordAt(p)))).toEqual(
            at.map((p) => show(maps.objects.recordAt(p))),
          );
          expect(pool.map((k) => maps.flat.count(k))).toEqual(
            pool.map((k) => maps.objects.get(k)?.count ?? 0),
          );
          expect(maps.flat.size).toBe(maps.objects.size);
        }
      }),
      { numRuns: 100 },
    );
  });

  it("grows past its initial capacity without changing the root", () => {
    const maps = both();
    const pool = Array.from({ length: 3000 }, (_, i) => {
      const k = new Uint8Array(32);
      new DataView(k.buffer).setUint32(0, Math.imul(i + 1, 2654435761) >>> 0);
      k[31] = i & 0xff;
      return k;
    });
    apply(
      maps,
      pool,
      pool.map((_, i) => [i, { count: i + 1, lastSeq: i, lastHash: "0f".repeat(32) }] as const),
    );
    expect(hex(maps.flat.root())).toBe(hex(maps.objects.root()));
    expect(maps.flat.changes().map(show)).toEqual(maps.objects.changes().map(show));
  });
});

type Tamper =
  | { kind: "drop"; at: number }
  | { kind: "edit"; at: number; byte: number }
  | { kind: "duplicate"; at: number; edited: boolean }
  | { kind: "plant"; path: Uint8Array }
  | { kind: "rewrite-unchanged"; at: number; edited: boolean }
  | { kind: "swap"; at: number };

const tamperArb: fc.Arbitrary<Tamper> = fc.oneof(
  fc.record({ kind: fc.constant("drop" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("edit" as const), at: fc.nat(), byte: fc.nat({ max: 31 }) }),
  fc.record({ kind: fc.constant("duplicate" as const), at: fc.nat(), edited: fc.boolean() }),
  fc.record({
    kind: fc.constant("plant" as const),
    path: fc
      .tuple(fc.nat({ max: 260 }), fc.uint8Array({ minLength: 32, maxLength: 32 }))
      .map(([d, k]) => mapPath(Math.min(d, 256), k)),
  }),
  fc.record({
    kind: fc.constant("rewrite-unchanged" as const),
    at: fc.nat(),
    edited: fc.boolean(),
  }),
  fc.record({ kind: fc.constant("swap" as const), at: fc.nat() }),
);

function edited(w: MapWrite, byte: number): MapWrite {
  if (w.record.kind === "node") {
    const left = w.record.left.slice();
    left[byte] = (left[byte] as number) ^ 1;
    return { path: w.path, record: { ...w.record, left } };
  }
  return {
    path: w.path,
    record: { ...w.record, state: { ...w.record.state, count: w.record.state.count + 1 } },
  };
}

/** What a tampered store might hold for a version whose true records are `changes`. */
function tampered(changes: MapWrite[], unchanged: MapWrite[], tampers: Tamper[]): MapWrite[] {
  const out = [...changes];
  for (const t of tampers) {
    if (t.kind === "plant") {
      out.push({ path: t.path, record: { kind: "node", left: EMPTY, right: EMPTY } });
      continue;
    }
    if (t.kind === "rewrite-unchanged") {
      const w = unchanged[t.at % Math.max(1, unchanged.length)];
      if (w !== undefined) out.push(t.edited ? edited(w, 0) : w);
      continue;
    }
    if (out.length === 0) continue;
    const at = t.at % out.length;
    const w = out[at] as MapWrite;
    if (t.kind === "drop") out.splice(at, 1);
    else if (t.kind === "edit") out[at] = edited(w, t.byte);
    else if (t.kind === "duplicate") out.splice(at + 1, 0, t.edited ? edited(w, 3) : w);
    else {
      out.splice(at, 1);
      out.unshift(w);
    }
  }
  return out;
}

describe("flatVersionProblem", () => {
  it("gives versionProblem's answer on honest and tampered versions", () => {
    fc.assert(
      fc.property(
        scenarioArb,
        fc.array(fc.array(tamperArb, { maxLength: 3 }), { maxLength: 5 }),
        fc.boolean(),
        ({ pool, batches }, tampers, stale) => {
          const maps = both();
          let unchanged: MapWrite[] = [];
          for (const [b, batch] of batches.entries()) {
            apply(maps, pool, batch);
            // An independent copy of this version's true records, to tamper with.
            const mirror = new SubjectMap();
            for (const bb of batches.slice(0, b + 1))
              for (const [i, st] of bb) mirror.set(pool[i] as Uint8Array, st);
            const all = mirror.changes();
            const changes = maps.objects.changes();
            const stored = tampered(changes, unchanged, tampers[b] ?? []);
            // `stale`: judged as an older version (nothing required), as `mapCheck` does.
            const want = versionProblem(maps.objects, stale ? [] : changes, stored);
            const got = flatVersionProblem(maps.flat, !stale, stored);
            expect(got).toBe(want);
            if (stale) maps.flat.changes();
            expect(hex(maps.flat.root())).toBe(hex(maps.objects.root()));
            // After the check the flat map's marks are cleared as `changes()` clears them.
            expect(maps.flat.changes()).toEqual([]);
            const changedPaths = new Set(changes.map((w) => hex(w.path)));
            unchanged = all.filter((w) => !changedPaths.has(hex(w.path)));
          }
        },
      ),
      { numRuns: 200 },
    );
  });
});
