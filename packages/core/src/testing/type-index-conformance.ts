import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import { openLedger } from "../ledger";
import type { ChainHead, Store } from "../store/store";
import { sampleInput } from "./fixtures";
import { chainOf, LEDGER_ID, rejection, type StoreFactory } from "./store-conformance";

/**
 * The index by event type every `Store` keeps (`readByType`, `typeIndexCounts`), run by
 * each adapter beside `storeConformance` with the same factory: answers equal to filtering the whole ledger, bounded arguments,
 * written atomically with the events, and checked by `verify`.
 */
export function typeIndexConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance (index by type): ${name}`, () => {
    let dispose: () => Promise<void>;
    let store: Store;
    const meta = { ledgerId: LEDGER_ID, createdAt: "2026-11-25T00:00:00.000Z", envelopeVersion: 1 };

    beforeEach(async () => {
      const handle = await factory();
      dispose = handle.dispose;
      store = handle.store;
      await store.init(meta);
    });
    afterEach(async () => {
      await dispose();
    });

    async function fill(batches: number, size: number): Promise<StoredEvent[]> {
      let head: ChainHead | null = null;
      const all: StoredEvent[] = [];
      for (let i = 0; i < batches; i++) {
        const batch = chainOf(size, head, i * size);
        await store.append(batch, head);
        all.push(...batch);
        head = await store.head();
      }
      return all;
    }

    it("reads by type in sequence order from a sequence number, up to a limit, as a filter of the ledger would", async () => {
      const all = await fill(3, 150);
      const types = [...new Set(all.map((e) => e.type))];
      expect(types.length).toBeGreaterThan(2);
      const [a, b] = types as [string, string];
      const expected = (ts: string[], from: number, limit: number) =>
        all.filter((e) => ts.includes(e.type) && e.seq >= from).slice(0, limit);
      for (const [ts, from, limit] of [
        [[a], 0, 10_000],
        [[a, b], 0, 10_000],
        [[b, a, a], 37, 25],
        [[a, b], 300, 1],
        [[a], 449, 10],
        [[a], 450, 10],
        [types, 0, 200],
      ] as [string[], number, number][]) {
        const got = await store.readByType(ts, from, limit);
        expect(got.map((e) => e.seq)).toEqual(expected(ts, from, limit).map((e) => e.seq));
        expect(got).toEqual(expected(ts, from, limit));
      }
      expect(await store.readByType(["no.such-type"], 0, 100)).toEqual([]);
    });

    it("refuses unbounded or malformed type reads with INVALID_ARGUMENT before reading", async () => {
      await fill(1, 5);
      const bad: [unknown, unknown, unknown][] = [
        [[], 0, 10],
        [Array.from({ length: 65 }, (_, i) => `t.${i}`), 0, 10],
        [[""], 0, 10],
        [[42], 0, 10],
        ["data.accessed", 0, 10],
        [["data.accessed"], -1, 10],
        [["data.accessed"], 0.5, 10],
        [["data.accessed"], 0, 0],
        [["data.accessed"], 0, 10_001],
        [["data.accessed"], 0, Number.NaN],
      ];
      for (const [types, from, limit] of bad) {
        const e = await rejection(
          store.readByType(types as string[], from as number, limit as number),
        );
        expect(isDaichoError(e) && e.code).toBe("INVALID_ARGUMENT");
      }
    });

    it("counts its index by type per type up to a sequence number", async () => {
      const all = await fill(2, 400);
      for (const through of [799, 400, 0]) {
        const expected = new Map<string, number>();
        for (const e of all)
          if (e.seq <= through) expected.set(e.type, (expected.get(e.type) ?? 0) + 1);
        const got = new Map<string, number>();
        for await (const c of store.typeIndexCounts(through)) {
          expect(got.has(c.type)).toBe(false); // one entry per type
          got.set(c.type, c.rows);
        }
        expect(got).toEqual(expected);
      }
    });

    it("writes the index by type in the append's transaction: a refused batch leaves no entry", async () => {
      const first = chainOf(10, null);
      await store.append(first, null);
      const stale = chainOf(5, null, 1000); // names the empty head: refused
      await rejection(store.append(stale, null));
      const types = [...new Set(first.map((e) => e.type))];
      expect((await store.readByType(types, 0, 100)).map((e) => e.id)).toEqual(
        first.map((e) => e.id),
      );
    });

    it("has verify check the index by type against the bodies", async () => {
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      await ledger.appendBatch(Array.from({ length: 30 }, (_, i) => sampleInput(i)));
      expect(await ledger.verify()).toMatchObject({
        ok: true,
        count: 30,
        checked: expect.arrayContaining(["type-index"]),
      });
    });
  });
}
