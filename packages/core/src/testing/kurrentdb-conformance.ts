import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import { openLedger } from "../ledger";
import type { Store } from "../store/store";
import { sampleInput } from "./fixtures";
import { chainOf, collect, LEDGER_ID, rejection } from "./store-conformance";

/** What an operator (or a test harness) can do to a KurrentDB server beside the store. */
export interface KurrentServerControl {
  /** Client `deleteStream` (soft delete). */
  softDelete(stream: string): Promise<void>;
  /** Client `tombstoneStream` (hard delete). */
  tombstone(stream: string): Promise<void>;
  /** Client `setStreamMetadata` with `truncateBefore` ($tb), `maxCount`, `maxAge` (seconds). */
  setStreamMetadata(
    stream: string,
    metadata: { truncateBefore?: number; maxCount?: number; maxAge?: number },
  ): Promise<void>;
  /** Fault injection, which only an in-process fake (or a fault proxy) can offer. */
  readonly faults?: {
    /** The next write lands but its acknowledgement is lost (the call times out). */
    dropNextAck(): void;
    /** The next write times out and lands only later, while the client is already re-trying. */
    landNextWriteLate(): void;
    /** The next write is refused by a node that is no longer the leader. */
    leaderChange(): void;
    /** Every call fails as unavailable while down. */
    setDown(down: boolean): void;
  };
}

/** One KurrentDB tenant under test, and ways to reach it as a second process would. */
export interface KurrentStoreHandle {
  readonly store: Store;
  /** Another store instance on the same tenant (a second process). */
  open(options?: { readonly throwOnAppendFailure?: boolean }): Promise<Store>;
  /** The stream names of the tenant (the adapter's `streamNames`). */
  readonly streams: {
    readonly meta: string;
    readonly events: string;
    subject(subject: string): string;
  };
  readonly server: KurrentServerControl;
  readonly dispose: () => Promise<void>;
}

const META = { ledgerId: LEDGER_ID, createdAt: "2026-11-25T00:00:00.000Z", envelopeVersion: 1 };

async function code(p: Promise<unknown>): Promise<string | undefined> {
  const e = await rejection(p);
  return isDaichoError(e) ? e.code : `not a DaichoError: ${String(e)}`;
}

/**
 * Behaviour a KurrentDB store must show under KurrentDB's own semantics, beyond the
 * shared `storeConformance`: deleted streams, retention metadata, the per-append size
 * limit, lost acknowledgements, leader changes and two processes. Runs against a real
 * server (fault cases skipped without `server.faults`) or an in-process fake.
 */
export function kurrentStoreConformance(
  name: string,
  factory: () => Promise<KurrentStoreHandle>,
): void {
  describe(`KurrentDB store conformance: ${name}`, () => {
    let h: KurrentStoreHandle;
    let store: Store;
    const extra: Store[] = [];
    const open = async (o?: { throwOnAppendFailure?: boolean }) => {
      const s = await h.open(o);
      extra.push(s);
      return s;
    };

    beforeEach(async () => {
      h = await factory();
      store = h.store;
      await store.init(META);
    });
    afterEach(async () => {
      for (const s of extra.splice(0)) await s.close().catch(() => undefined);
      await h.dispose();
    });

    it("refuses a soft-deleted events stream instead of reading it as an empty ledger", async () => {
      await store.append(chainOf(3, null), null);
      await h.server.softDelete(h.streams.events);
      expect(await code(store.head())).toBe("STORE_CORRUPT");
      expect(await code(collect(store.read()))).toBe("STORE_CORRUPT");
      expect(await code(store.append(chainOf(1, null, 50), null))).toBe("STORE_CORRUPT");
      const ledger = await openLedger({ store: await open(), ledgerId: LEDGER_ID }).catch((e) => e);
      if (!isDaichoError(ledger)) expect(await code(ledger.verify())).toBe("STORE_CORRUPT");
    });

    it("refuses a soft-deleted meta stream: no second ledger can be initialised over it", async () => {
      await store.append(chainOf(2, null), null);
      await h.server.softDelete(h.streams.meta);
      const other = await open();
      expect(await code(other.meta())).toBe("STORE_CORRUPT");
      expect(await code(other.init({ ...META, ledgerId: "other.test/ledger" }))).toBe(
        "STORE_CORRUPT",
      );
    });

    it("refuses a hard-deleted (tombstoned) events stream", async () => {
      await store.append(chainOf(2, null), null);
      await h.server.tombstone(h.streams.events);
      expect(await code(store.head())).toBe("STORE_CORRUPT");
      expect(await code(store.append(chainOf(1, null), null))).toBe("STORE_CORRUPT");
    });

    for (const metadata of [{ maxCount: 2 }, { maxAge: 3600 }, { truncateBefore: 1 }]) {
      it(`refuses to write to an events stream with ${Object.keys(metadata)[0]} set`, async () => {
        const batch = chainOf(3, null);
        await store.append(batch, null);
        await h.server.setStreamMetadata(h.streams.events, metadata);
        const head = { seq: 2, hash: (batch[2] as StoredEvent).hash };
        expect(await code(store.append(chainOf(1, head, 10), head))).toBe("STORE_CORRUPT");
        await h.server.setStreamMetadata(h.streams.events, {});
        expect((await store.head())?.seq).toBe(2);
      });
    }

    it("never answers get or read with other events than asked when KurrentDB hides some", async () => {
      await store.append(chainOf(5, null), null);
      await h.server.setStreamMetadata(h.streams.events, { truncateBefore: 2 });
      expect(await code(store.get(0))).toBe("STORE_CORRUPT");
      expect(await code(collect(store.read()))).toBe("STORE_CORRUPT");
      expect(await code(collect(store.read({ from: 1, to: 3 })))).toBe("STORE_CORRUPT");
      expect((await store.get(3))?.seq).toBe(3);
      expect((await collect(store.read({ from: 2, to: 4 }))).map((e) => e.seq)).toEqual([2, 3]);
      await h.server.setStreamMetadata(h.streams.events, { maxCount: 2 });
      expect(await code(collect(store.read()))).toBe("STORE_CORRUPT");
    });

    it("refuses a truncated subject link stream instead of answering short", async () => {
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      for (let i = 0; i < 4; i++) await ledger.append(sampleInput(i, "contact-x"));
      await h.server.setStreamMetadata(h.streams.subject("contact-x"), { truncateBefore: 1 });
      const fresh = await open();
      expect(await code(collect(fresh.readSubject("contact-x")))).toBe("STORE_CORRUPT");
      expect((await ledger.verify()).ok).toBe(false);
    });

    it("splits a group commit at callers' batches below the append limit", async () => {
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      const batches = Array.from({ length: 6 }, (_, b) =>
        Array.from({ length: 300 }, (_, i) => sampleInput(b * 300 + i)),
      );
      const results = await Promise.allSettled(batches.map((b) => ledger.appendBatch(b)));
      expect(results.map((r) => r.status)).toEqual(Array(6).fill("fulfilled"));
      for (const r of results) {
        const events = (r as PromiseFulfilledResult<{ seq: number }[]>).value;
        // Each caller's batch is contiguous: it was written in one append.
        expect(events.every((e, i) => e.seq === (events[0] as { seq: number }).seq + i)).toBe(true);
      }
      expect(await ledger.verify()).toMatchObject({ ok: true, count: 1800 });
    });

    it("refuses one caller's batch that no append can carry, and writes the others", async () => {
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      const big = Array.from({ length: 1500 }, (_, i) => sampleInput(i));
      const small = Array.from({ length: 10 }, (_, i) => sampleInput(2000 + i));
      // The first append is in flight, so the next two wait and are committed as one group.
      const [, a, b] = await Promise.allSettled([
        ledger.append(sampleInput(900)),
        ledger.appendBatch(big),
        ledger.appendBatch(small),
      ]);
      expect(a.status).toBe("rejected");
      expect(isDaichoError((a as PromiseRejectedResult).reason, "PAYLOAD_TOO_LARGE")).toBe(true);
      expect(b.status).toBe("fulfilled");
      expect(await ledger.verify()).toMatchObject({ ok: true, count: 11 });
      expect(
        await code(store.append(chainOf(1500, await store.head(), 5000), await store.head())),
      ).toBe("PAYLOAD_TOO_LARGE");
    });

    it("serves two processes one chain, with each subject's events once and in order", async () => {
      const second = await open();
      const a = await openLedger({ store, ledgerId: LEDGER_ID });
      const b = await openLedger({ store: second, ledgerId: LEDGER_ID });
      await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          (i % 2 === 0 ? a : b).append(sampleInput(i, `s-${i % 3}`)),
        ),
      );
      const third = await open();
      const [x, y, heads] = await Promise.all([
        collect(third.readSubject("s-1")),
        collect(third.readSubject("s-1")),
        third.subjectHeads(["s-1"]),
      ]);
      const about = (await collect(store.read())).filter((e) => e.subjects.includes("s-1"));
      expect(x.map((e) => e.seq)).toEqual(about.map((e) => e.seq));
      expect(y.map((e) => e.seq)).toEqual(about.map((e) => e.seq));
      expect(heads.get("s-1")?.seq).toBe(about.at(-1)?.seq);
      expect(await a.verify()).toMatchObject({ ok: true, count: 30 });
    });

    it("does not take a lost init race for a win with throwOnAppendFailure=false", async () => {
      const lax = await open({ throwOnAppendFailure: false });
      expect(await code(lax.init({ ...META, ledgerId: "other.test/ledger" }))).toBe(
        "LEDGER_MISMATCH",
      );
    });

    const faulty = () => h.server.faults;

    it("settles a dropped acknowledgement by reading back: written once, reported once", async (t) => {
      const f = faulty();
      if (f === undefined) return t.skip();
      const batch = chainOf(3, null);
      f.dropNextAck();
      await store.append(batch, null);
      expect((await collect(store.read())).map((e) => e.hash)).toEqual(batch.map((e) => e.hash));
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      f.dropNextAck();
      await ledger.append(sampleInput(7));
      expect(await ledger.verify()).toMatchObject({ ok: true, count: 4 });
    });

    it("writes a batch once when its first attempt lands after it timed out", async (t) => {
      const f = faulty();
      if (f === undefined) return t.skip();
      const batch = chainOf(3, null);
      f.landNextWriteLate();
      await store.append(batch, null);
      expect((await collect(store.read())).map((e) => e.hash)).toEqual(batch.map((e) => e.hash));
    });

    it("retries a write refused by a former leader", async (t) => {
      const f = faulty();
      if (f === undefined) return t.skip();
      f.leaderChange();
      await store.append(chainOf(2, null), null);
      expect((await store.head())?.seq).toBe(1);
    });

    it("fails retryably through an outage, writes nothing, and works once it ends", async (t) => {
      const f = faulty();
      if (f === undefined) return t.skip();
      f.setDown(true);
      const e = await rejection(store.append(chainOf(2, null), null));
      expect(e).toMatchObject({ code: "STORE_UNAVAILABLE", retryable: true });
      f.setDown(false);
      expect(await store.head()).toBeNull();
      await store.append(chainOf(2, null), null);
      expect((await store.head())?.seq).toBe(1);
    });
  });
}
