import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildBody, type SubjectHead, sealBody } from "../chain";
import { isDaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import { genesisHash } from "../hash";
import { openLedger } from "../ledger";
import type { ChainHead, Store } from "../store/store";
import { sampleInput } from "./fixtures";

/** One store under test. `reopen` opens the same storage again (for durable stores). */
export interface StoreHandle {
  readonly store: Store;
  readonly reopen?: () => Promise<Store>;
  readonly dispose: () => Promise<void>;
}

export type StoreFactory = () => Promise<StoreHandle>;

export const LEDGER_ID = "conformance.test/ledger";

/** Seal `count` events extending `head`, as the ledger would (shared with the KurrentDB suite). */
export function chainOf(count: number, head: ChainHead | null, offset = 0): StoredEvent[] {
  const heads = new Map<string, SubjectHead>();
  let seq = head === null ? 0 : head.seq + 1;
  let prevHash = head === null ? genesisHash(LEDGER_ID) : head.hash;
  const out: StoredEvent[] = [];
  for (let i = 0; i < count; i++) {
    const input: EventInput = sampleInput(offset + i);
    const stored = sealBody(
      buildBody(input, {
        position: { seq, prevHash },
        id: `evt-${offset + i}-${seq}`,
        recordedAt: "2026-11-25T00:00:00.000Z",
        subjectHeads: heads,
      }),
    );
    for (const s of stored.subjects) heads.set(s, { seq: stored.seq, hash: stored.hash });
    out.push(stored);
    seq++;
    prevHash = stored.hash;
  }
  return out;
}

export async function collect(events: AsyncIterable<StoredEvent>): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of events) out.push(e);
  return out;
}

export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected the promise to reject");
}

/**
 * The behaviour every `Store` must show. An adapter's test file calls this with a factory
 * that creates an empty store; everything else is shared (cf. Emmett's store features).
 */
export function storeConformance(name: string, factory: StoreFactory): void {
  describe(`Store conformance: ${name}`, () => {
    let handle: StoreHandle;
    let store: Store;
    const meta = { ledgerId: LEDGER_ID, createdAt: "2026-11-25T00:00:00.000Z", envelopeVersion: 1 };

    beforeEach(async () => {
      handle = await factory();
      store = handle.store;
      await store.init(meta);
    });
    afterEach(async () => {
      await handle.dispose();
    });

    it("starts empty with its metadata stored", async () => {
      expect(await store.head()).toBeNull();
      expect((await store.meta())?.ledgerId).toBe(LEDGER_ID);
      expect(await collect(store.read())).toEqual([]);
      expect(await store.get(0)).toBeUndefined();
    });

    it("refuses to be initialised as another ledger", async () => {
      const e = await rejection(store.init({ ...meta, ledgerId: "other.test/ledger" }));
      expect(isDaichoError(e, "LEDGER_MISMATCH")).toBe(true);
      expect((await store.init(meta)).ledgerId).toBe(LEDGER_ID);
    });

    it("appends a batch and reads it back byte for byte", async () => {
      const batch = chainOf(5, null);
      await store.append(batch, null);
      const last = batch[4] as StoredEvent;
      expect(await store.head()).toEqual({ seq: 4, hash: last.hash });
      const read = await collect(store.read());
      expect(read.map((e) => [e.seq, e.hash, e.body, e.prevHash, e.id])).toEqual(
        batch.map((e) => [e.seq, e.hash, e.body, e.prevHash, e.id]),
      );
      expect((await store.get(2))?.body).toBe(batch[2]?.body);
    });

    it("treats an empty batch as a no-op", async () => {
      await store.append([], null);
      expect(await store.head()).toBeNull();
    });

    it("rejects a batch whose expected head is stale and writes nothing", async () => {
      const first = chainOf(3, null);
      await store.append(first, null);
      const stale = chainOf(2, null, 100);
      const e = await rejection(store.append(stale, null));
      expect(isDaichoError(e, "CONCURRENCY_CONFLICT")).toBe(true);
      expect((e as { retryable: boolean }).retryable).toBe(true);
      const head = await store.head();
      expect(head?.seq).toBe(2);
      expect((await collect(store.read())).length).toBe(3);
    });

    it("rejects an expected head with the right sequence but the wrong hash", async () => {
      const first = chainOf(2, null);
      await store.append(first, null);
      const wrong = { seq: 1, hash: "0".repeat(64) };
      const e = await rejection(store.append(chainOf(1, wrong), wrong));
      expect(isDaichoError(e, "CONCURRENCY_CONFLICT")).toBe(true);
      expect((await store.head())?.hash).toBe(first[1]?.hash);
    });

    it("rejects a batch that is not contiguous and writes none of it", async () => {
      const batch = chainOf(4, null);
      const gapped = [batch[0], batch[1], batch[3]] as StoredEvent[];
      const e = await rejection(store.append(gapped, null));
      expect(isDaichoError(e, "INVALID_ARGUMENT")).toBe(true);
      expect(await store.head()).toBeNull();
    });

    it("rejects a batch with an already recorded event id and writes none of it", async () => {
      const first = chainOf(2, null);
      await store.append(first, null);
      const head = await store.head();
      const next = chainOf(3, head, 50);
      const dup = [
        next[0],
        { ...(next[1] as StoredEvent), id: (first[0] as StoredEvent).id },
        next[2],
      ] as StoredEvent[];
      const e = await rejection(store.append(dup, head));
      expect(isDaichoError(e, "DUPLICATE_EVENT")).toBe(true);
      expect((await store.head())?.seq).toBe(1);
    });

    it("lets exactly one of two writers with the same expected head win", async () => {
      await store.append(chainOf(1, null), null);
      const head = await store.head();
      const a = chainOf(3, head, 10);
      const b = chainOf(2, head, 20);
      const results = await Promise.allSettled([store.append(a, head), store.append(b, head)]);
      const won = results.filter((r) => r.status === "fulfilled");
      expect(won.length).toBe(1);
      const lost = results.find((r) => r.status === "rejected") as PromiseRejectedResult;
      expect(isDaichoError(lost.reason, "CONCURRENCY_CONFLICT")).toBe(true);
      const count = (await collect(store.read())).length;
      expect([4, 3]).toContain(count);
    });

    it("reads ranges across page boundaries in order", async () => {
      let head: ChainHead | null = null;
      for (let i = 0; i < 3; i++) {
        const batch = chainOf(1000, head, i * 1000);
        await store.append(batch, head);
        head = await store.head();
      }
      const all = await collect(store.read());
      expect(all.length).toBe(3000);
      expect(all.every((e, i) => e.seq === i)).toBe(true);
      const mid = await collect(store.read({ from: 995, to: 2005 }));
      expect(mid.map((e) => e.seq)).toEqual(Array.from({ length: 1010 }, (_, i) => 995 + i));
      expect(await collect(store.read({ from: 3000 }))).toEqual([]);
    });

    it("tracks the latest event and all events about each subject", async () => {
      const batch = chainOf(40, null);
      await store.append(batch, null);
      const about = (s: string) => batch.filter((e) => e.subjects.includes(s));
      const heads = await store.subjectHeads(["contact-3", "contact-4", "nobody"]);
      for (const s of ["contact-3", "contact-4"]) {
        const last = about(s).at(-1) as StoredEvent;
        expect(heads.get(s)).toEqual({ seq: last.seq, hash: last.hash });
      }
      expect(heads.has("nobody")).toBe(false);
      const events = await collect(store.readSubject("contact-4"));
      expect(events.map((e) => e.seq)).toEqual(about("contact-4").map((e) => e.seq));
    });

    it("counts its subject-index rows per subject up to a sequence number, and finds none stray", async () => {
      let head: ChainHead | null = null;
      const all: StoredEvent[] = [];
      for (let i = 0; i < 3; i++) {
        const batch = chainOf(700, head, i * 700);
        await store.append(batch, head);
        all.push(...batch);
        head = await store.head();
      }
      const expected = (through: number) => {
        const counts = new Map<string, number>();
        for (const e of all)
          if (e.seq <= through) for (const s of e.subjects) counts.set(s, (counts.get(s) ?? 0) + 1);
        return [...counts].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      };
      for (const through of [2099, 1000, 0]) {
        const got: [string, number][] = [];
        for await (const c of store.subjectIndexCounts(through)) got.push([c.subject, c.rows]);
        expect(new Set(got.map(([s]) => s)).size).toBe(got.length); // one entry per subject
        got.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
        expect(got).toEqual(expected(through));
      }
      expect(await store.strayIndexRows(2099, 10)).toEqual([]);
      expect(await store.strayIndexRows(0, 10)).toEqual([]);
    });

    it("verifies its stored copies (columns, head, subject index) against the bodies", async () => {
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      await ledger.appendBatch(Array.from({ length: 30 }, (_, i) => sampleInput(i)));
      expect(await ledger.verify()).toMatchObject({
        ok: true,
        count: 30,
        checked: expect.arrayContaining(["columns", "head", "subject-index"]),
      });
    });

    it("serves a ledger whose chain verifies", async () => {
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      for (let i = 0; i < 10; i++) await ledger.append(sampleInput(i));
      await ledger.appendBatch(Array.from({ length: 25 }, (_, i) => sampleInput(100 + i)));
      const report = await ledger.verify();
      expect(report).toMatchObject({ ok: true, count: 35, headSeq: 34 });
    });

    it("keeps concurrent ledger appends on one line", async () => {
      const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
      await Promise.all(Array.from({ length: 50 }, (_, i) => ledger.append(sampleInput(i))));
      expect(await ledger.verify()).toMatchObject({ ok: true, count: 50 });
    });

    it("keeps what it acknowledged across a reopen", async () => {
      if (handle.reopen === undefined) return;
      const batch = chainOf(7, null);
      await store.append(batch, null);
      await store.close();
      store = await handle.reopen();
      expect((await store.head())?.hash).toBe(batch[6]?.hash);
      expect((await store.meta())?.ledgerId).toBe(LEDGER_ID);
      expect((await collect(store.read())).map((e) => e.body)).toEqual(batch.map((e) => e.body));
    });
  });
}
