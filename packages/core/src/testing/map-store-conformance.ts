import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { mapKey } from "../map/hash";
import { type MapRecord, type MapWrite, mapPath } from "../map/record";
import type { MapStore } from "../map/store";

/** One map store under test. `reopen` opens the same storage again (durable stores). */
export interface MapStoreHandle {
  readonly store: MapStore;
  readonly reopen?: () => Promise<MapStore>;
  readonly dispose: () => Promise<void>;
}

export type MapStoreFactory = () => Promise<MapStoreHandle>;

const hash = (b: number) => new Uint8Array(32).fill(b);
const leafAt = (depth: number, subject: string, count: number): MapWrite => ({
  path: mapPath(depth, mapKey(subject)),
  record: {
    kind: "leaf",
    key: mapKey(subject),
    state: { count, lastSeq: count * 10, lastHash: "ab".repeat(32) },
  },
});
const nodeAt = (depth: number, subject: string, l: number, r: number): MapWrite => ({
  path: mapPath(depth, mapKey(subject)),
  record: { kind: "node", left: hash(l), right: hash(r) },
});
const plain = (r: MapRecord | undefined) =>
  r === undefined
    ? undefined
    : r.kind === "node"
      ? { kind: r.kind, left: [...r.left], right: [...r.right] }
      : { kind: r.kind, key: [...r.key], state: r.state };

/**
 * The behaviour every `MapStore` must have: versions written once and atomically, reads
 * as of a version see the newest record at or before it, a stale or repeated version is a
 * retryable conflict that writes nothing, and everything survives a reopen.
 */
export function mapStoreConformance(name: string, factory: MapStoreFactory): void {
  describe(`MapStore conformance: ${name}`, () => {
    let handle: MapStoreHandle;
    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle.store.close().catch(() => undefined);
      await handle.dispose();
    });

    it("starts with no version and reads nothing", async () => {
      expect(await handle.store.latestVersion()).toBeNull();
      expect(await handle.store.hasVersion(0)).toBe(false);
      expect(await handle.store.readAsOf(100, [mapPath(0, hash(0))])).toEqual([undefined]);
    });

    it("reads, as of a version, the newest record written at or before it", async () => {
      const s = handle.store;
      await s.putVersion(5, [leafAt(0, "a", 1)]);
      await s.putVersion(9, [nodeAt(0, "a", 1, 2), leafAt(1, "a", 2)]);
      expect(await s.latestVersion()).toBe(9);
      expect(await s.hasVersion(5)).toBe(true);
      expect(await s.hasVersion(7)).toBe(false);
      const paths = [mapPath(0, mapKey("a")), mapPath(1, mapKey("a"))];
      expect((await s.readAsOf(4, paths)).map(plain)).toEqual([undefined, undefined]);
      expect((await s.readAsOf(5, paths)).map(plain)).toEqual([
        plain(leafAt(0, "a", 1).record),
        undefined,
      ]);
      expect((await s.readAsOf(8, paths)).map(plain)).toEqual([
        plain(leafAt(0, "a", 1).record),
        undefined,
      ]);
      expect((await s.readAsOf(9, paths)).map(plain)).toEqual([
        plain(nodeAt(0, "a", 1, 2).record),
        plain(leafAt(1, "a", 2).record),
      ]);
      expect((await s.readAsOf(1000, paths.slice(1))).map(plain)).toEqual([
        plain(leafAt(1, "a", 2).record),
      ]);
    });

    it("refuses a version at or below the latest with a retryable CONCURRENCY_CONFLICT and writes nothing", async () => {
      const s = handle.store;
      await s.putVersion(5, [leafAt(0, "a", 1)]);
      for (const v of [5, 4]) {
        const e = await s.putVersion(v, [leafAt(3, "b", 7)]).catch((x) => x);
        expect(isDaichoError(e, "CONCURRENCY_CONFLICT"), String(v)).toBe(true);
        expect(e.retryable).toBe(true);
      }
      expect(await s.readAsOf(10, [mapPath(3, mapKey("b"))])).toEqual([undefined]);
      expect(await s.latestVersion()).toBe(5);
    });

    it("refuses a malformed version or a position written twice, writing nothing", async () => {
      const s = handle.store;
      for (const v of [-1, 1.5, Number.NaN]) {
        expect(isDaichoError(await s.putVersion(v, []).catch((x) => x), "INVALID_ARGUMENT")).toBe(
          true,
        );
      }
      const twice = await s.putVersion(3, [leafAt(2, "c", 1), leafAt(2, "c", 2)]).catch((x) => x);
      expect(isDaichoError(twice, "INVALID_ARGUMENT")).toBe(true);
      expect(await s.latestVersion()).toBeNull();
      expect(await s.readAsOf(3, [mapPath(2, mapKey("c"))])).toEqual([undefined]);
    });

    it("refuses a position shorter than 2 or longer than 34 bytes, writing nothing of its version", async () => {
      const s = handle.store;
      const good = leafAt(2, "c", 1);
      for (const path of [new Uint8Array(0), Uint8Array.of(0), new Uint8Array(35)]) {
        const e = await s.putVersion(3, [good, { ...good, path }]).catch((x) => x);
        expect(isDaichoError(e, "INVALID_ARGUMENT")).toBe(true);
      }
      expect(await s.latestVersion()).toBeNull();
      expect(await s.recordCount()).toBe(0);
    });

    it("stores a version of many records (several write batches) exactly, and refuses one whose repeat lies batches apart", async () => {
      const s = handle.store;
      // 457 records: more than two batches of a multi-row insert, and a remainder.
      const many = Array.from({ length: 457 }, (_, i) =>
        i % 2 === 0 ? leafAt(20, `m-${i}`, i + 1) : nodeAt(20, `m-${i}`, i % 251, 7),
      );
      const repeated = [...many.slice(0, 420), leafAt(20, "m-3", 9)];
      expect(
        isDaichoError(await s.putVersion(6, repeated).catch((x) => x), "INVALID_ARGUMENT"),
      ).toBe(true);
      expect(await s.recordCount()).toBe(0);
      await s.putVersion(6, many);
      const got = await s.readAsOf(
        6,
        many.map((w) => w.path),
      );
      expect(got.map(plain)).toEqual(many.map((w) => plain(w.record)));
      expect((await s.readVersion(6)).length).toBe(457);
      expect(await s.recordCount()).toBe(457);
    });

    it("lists its versions, the records of exactly one version in path order, and counts every record", async () => {
      const s = handle.store;
      await s.putVersion(3, [leafAt(2, "b", 1), nodeAt(0, "a", 4, 5)]);
      await s.putVersion(4, []);
      await s.putVersion(8, [nodeAt(0, "a", 6, 7), leafAt(5, "c", 2 ** 40)]);
      expect(await s.versions()).toEqual([3, 4, 8]);
      const three = (await s.readVersion(3)).map((w) => ({
        path: [...w.path],
        r: plain(w.record),
      }));
      const byPath = [leafAt(2, "b", 1), nodeAt(0, "a", 4, 5)]
        .map((w) => ({ path: [...w.path], r: plain(w.record) }))
        .sort((x, y) => Buffer.compare(Buffer.from(x.path), Buffer.from(y.path)));
      expect(three).toEqual(byPath);
      expect(await s.readVersion(4)).toEqual([]);
      expect(await s.readVersion(5)).toEqual([]);
      expect((await s.readVersion(8)).map((w) => plain(w.record))).toContainEqual(
        plain(leafAt(5, "c", 2 ** 40).record),
      );
      expect(await s.recordCount()).toBe(4);
    });

    it("reads a version page by page (readVersionPage): readVersion's records in its order, none of other versions", async () => {
      const s = handle.store;
      if (s.readVersionPage === undefined) return; // optional: such a store is read whole
      // Paths of several lengths (depths 0 to 256), so a shorter path must sort before
      // the longer ones it prefixes.
      const depths = [0, 1, 7, 8, 9, 16, 20, 255, 256];
      // Positions may coincide at small depths (two keys sharing their first bits): one each.
      const v5 = [
        ...new Map(
          depths
            .flatMap((d, i) => [leafAt(d, `p-${i}`, i + 1), nodeAt(d, `q-${i}`, i, 3)])
            .map((w) => [Buffer.from(w.path).toString("hex"), w] as const),
        ).values(),
      ];
      await s.putVersion(2, [leafAt(20, "other", 1)]);
      await s.putVersion(5, v5);
      await s.putVersion(9, [leafAt(20, "later", 1)]);
      const whole = (await s.readVersion(5)).map((w) => ({
        path: [...w.path],
        r: plain(w.record),
      }));
      expect(whole.length).toBe(v5.length);
      for (const limit of [1, 4, 1000]) {
        const paged: typeof whole = [];
        let after: Uint8Array | undefined;
        for (;;) {
          const page = await s.readVersionPage(5, after, limit);
          expect(page.length).toBeLessThanOrEqual(limit);
          paged.push(...page.map((w) => ({ path: [...w.path], r: plain(w.record) })));
          const last = page[page.length - 1];
          if (last === undefined || page.length < limit) break;
          after = last.path;
        }
        expect(paged).toEqual(whole);
      }
      expect(await s.readVersionPage(4, undefined, 10)).toEqual([]);
    });

    it("keeps a leaf's state exactly, up to the largest safe integers", async () => {
      const big: MapWrite = {
        path: mapPath(7, mapKey("big")),
        record: {
          kind: "leaf",
          key: mapKey("big"),
          state: {
            count: Number.MAX_SAFE_INTEGER,
            lastSeq: Number.MAX_SAFE_INTEGER - 1,
            lastHash: "0f".repeat(32),
          },
        },
      };
      await handle.store.putVersion(1, [big]);
      expect((await handle.store.readAsOf(1, [big.path])).map(plain)).toEqual([plain(big.record)]);
    });

    it("keeps an empty version (a checkpoint that changed no subject)", async () => {
      await handle.store.putVersion(0, []);
      expect(await handle.store.latestVersion()).toBe(0);
      expect(await handle.store.hasVersion(0)).toBe(true);
    });

    it("survives a reopen", async () => {
      if (handle.reopen === undefined) return;
      await handle.store.putVersion(2, [leafAt(0, "z", 4)]);
      await handle.store.close();
      const again = await handle.reopen();
      try {
        expect(await again.latestVersion()).toBe(2);
        expect((await again.readAsOf(2, [mapPath(0, mapKey("z"))])).map(plain)).toEqual([
          plain(leafAt(0, "z", 4).record),
        ]);
      } finally {
        await again.close();
      }
    });

    it("refuses calls after close with STORE_CLOSED", async () => {
      await handle.store.close();
      expect(
        isDaichoError(await handle.store.latestVersion().catch((x) => x), "STORE_CLOSED"),
      ).toBe(true);
    });
  });
}
