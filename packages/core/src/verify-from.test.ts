import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { buildBody, sealBody } from "./chain";
import { isDaichoError } from "./errors";
import type { StoredEvent } from "./events/envelope";
import { genesisHash } from "./hash";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import type { Store } from "./store/store";
import { sampleInput } from "./testing/fixtures";
import { overrideStore } from "./testing/override-store";
import { verifyFrom } from "./verify-from";
import { verifyStore } from "./verify-store";

const LEDGER = "verify-from.test/l";
const genesis = genesisHash(LEDGER);

/**
 * A memory ledger behind a store whose stored bytes a test can replace (`edits`), and
 * that counts the events `read` hands out.
 */
async function setup(n: number) {
  const inner = memoryStore();
  const edits = new Map<number, StoredEvent | null>(); // null: the event is gone
  const counter = { read: 0 };
  const swap = (e: StoredEvent | undefined) => {
    if (e === undefined || !edits.has(e.seq)) return e;
    return edits.get(e.seq) ?? undefined;
  };
  const store: Store = overrideStore(inner, {
    async *read(range) {
      for await (const e of inner.read(range)) {
        counter.read++;
        const shown = swap(e);
        if (shown !== undefined) yield shown;
      }
    },
    get: async (seq) => swap(await inner.get(seq)),
  });
  const ledger = await openLedger({ store, ledgerId: LEDGER });
  if (n > 0) await ledger.appendBatch(Array.from({ length: n }, (_, i) => sampleInput(i)));
  return { inner, store, ledger, edits, counter };
}

/** An event at the head whose subject back-link is left out although the subject has events. */
async function unlinkedEvent(store: Store, subject: string): Promise<StoredEvent> {
  const head = await store.head();
  if (head === null) throw new Error("empty");
  return sealBody(
    buildBody(sampleInput(1, subject), {
      position: { seq: head.seq + 1, prevHash: head.hash },
      id: `evt-unlinked-${head.seq + 1}`,
      recordedAt: "2026-11-25T00:00:00.000Z",
      subjectHeads: new Map(),
    }),
  );
}

describe("verifyFrom: incremental verification from a held head", () => {
  it("reads only the events appended since the held head, and reaches the same verdict as a full run", async () => {
    const { store, ledger, counter } = await setup(300);
    const first = await verifyFrom(store, genesis, null);
    expect(first.report).toMatchObject({ ok: true, count: 300, headSeq: 299 });
    expect(first.newEvents).toBe(300);
    await ledger.appendBatch(Array.from({ length: 25 }, (_, i) => sampleInput(300 + i)));
    counter.read = 0;
    const next = await verifyFrom(store, genesis, first.head ?? null);
    expect(counter.read).toBe(25);
    expect(next.newEvents).toBe(25);
    expect(next.report).toEqual(await verifyStore(store, genesis));
    expect(next.head).toMatchObject({ seq: 324, count: 325 });
    // Nothing new: nothing read, still ok.
    counter.read = 0;
    const idle = await verifyFrom(store, genesis, next.head ?? null);
    expect(counter.read).toBe(0);
    expect(idle.report).toMatchObject({ ok: true, count: 325, headSeq: 324 });
  });

  it("carries the per-subject state: a new event linked to an old one passes, one that drops its back-link fails", async () => {
    const { store, ledger, inner } = await setup(100);
    const held = (await verifyFrom(store, genesis, null)).head ?? null;
    await ledger.append(sampleInput(7, "contact-3")); // links back to contact-3's events before the head
    const linked = await verifyFrom(store, genesis, held);
    expect(linked.report.ok).toBe(true);
    await inner.append([await unlinkedEvent(inner, "contact-3")], await inner.head());
    const broken = await verifyFrom(store, genesis, linked.head ?? null);
    expect(broken.report).toMatchObject({
      ok: false,
      failure: { kind: "subject-link-broken", seq: 101 },
    });
    expect(broken.head).toBeUndefined();
    expect(await verifyStore(store, genesis)).toEqual(broken.report);
  });

  it("reports head-mismatch when the held head's event was rewritten, and truncated when it is gone", async () => {
    const { store, edits } = await setup(50);
    const held = (await verifyFrom(store, genesis, null)).head ?? null;
    const at = (await store.get(49)) as StoredEvent;
    // Rewritten and re-hashed consistently: only the held hash can tell.
    const forged = sealBody({ ...JSON.parse(at.body), recordedAt: "2020-01-01T00:00:00.000Z" });
    edits.set(49, forged);
    expect((await verifyFrom(store, genesis, held)).report).toMatchObject({
      ok: false,
      failure: { kind: "head-mismatch", seq: 49 },
    });
    // The stored hash kept, the bytes edited.
    edits.set(49, { ...at, body: at.body.replace("contact", "kontact") });
    expect((await verifyFrom(store, genesis, held)).report).toMatchObject({
      ok: false,
      failure: { kind: "head-mismatch" },
    });
    edits.set(49, null);
    expect((await verifyFrom(store, genesis, held)).report).toMatchObject({
      ok: false,
      failure: { kind: "truncated", seq: 49 },
    });
    const short = (await setup(10)).store;
    await expect(verifyFrom(short, genesis, held)).rejects.toSatisfy(
      (e) => isDaichoError(e) && e.code === "INVALID_ARGUMENT",
    );
  });

  it("leaves the held head usable after a failed run", async () => {
    const { store, ledger, inner, edits } = await setup(40);
    const held = (await verifyFrom(store, genesis, null)).head ?? null;
    await ledger.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(40 + i)));
    const e42 = (await inner.get(42)) as StoredEvent;
    edits.set(42, { ...e42, body: e42.body.replace("contact", "contakt") });
    const bad = await verifyFrom(store, genesis, held);
    expect(bad.report).toMatchObject({ ok: false, failure: { kind: "content-changed", seq: 42 } });
    edits.clear();
    const good = await verifyFrom(store, genesis, held);
    expect(good.report).toMatchObject({ ok: true, count: 45 });
  });

  it("checks the indexes against the cumulative tallies, unless told not to", async () => {
    const { inner, ledger } = await setup(60);
    const dropType = ((await inner.get(0)) as StoredEvent).type; // sampleInput(60) has it too
    let tamper = false;
    const store = overrideStore(inner, {
      async *typeIndexCounts(through) {
        for await (const c of inner.typeIndexCounts(through))
          yield tamper && c.type === dropType ? { ...c, rows: c.rows - 1 } : c;
      },
    });
    const held = (await verifyFrom(store, genesis, null)).head ?? null;
    await ledger.appendBatch([sampleInput(60), sampleInput(61)]);
    tamper = true;
    expect((await verifyFrom(store, genesis, held)).report).toMatchObject({
      ok: false,
      failure: { kind: "index-mismatch" },
    });
    const quick = await verifyFrom(store, genesis, held, { indexes: false });
    expect(quick.report).toMatchObject({ ok: true, checked: ["columns", "head"] });
  });

  it("refuses a head from another store or another genesis, and a head verified without subject links", async () => {
    const a = await setup(5);
    const b = await setup(5);
    const held = (await verifyFrom(a.store, genesis, null)).head ?? null;
    for (const call of [
      () => verifyFrom(b.store, genesis, held),
      () => verifyFrom(a.store, genesisHash("another/l"), held),
    ]) {
      const e = await call().catch((x: unknown) => x);
      expect(isDaichoError(e) && e.code).toBe("INVALID_ARGUMENT");
    }
    const noLinks =
      (await verifyFrom(a.store, genesis, null, { subjectLinks: false })).head ?? null;
    const e = await verifyFrom(a.store, genesis, noLinks).catch((x: unknown) => x);
    expect(isDaichoError(e) && e.code).toBe("INVALID_ARGUMENT");
    expect((await verifyFrom(a.store, genesis, noLinks, { subjectLinks: false })).report.ok).toBe(
      true,
    );
  });

  it("is never weaker than a full verify on a randomly tampered suffix (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 40 }),
        fc.integer({ min: 1, max: 20 }),
        fc.nat(),
        fc.constantFrom("body", "hash", "type", "drop-link"),
        async (n, more, pick, how) => {
          const { store, ledger, inner, edits } = await setup(n);
          const held = (await verifyFrom(store, genesis, null)).head ?? null;
          await ledger.appendBatch(Array.from({ length: more }, (_, i) => sampleInput(n + i)));
          const seq = n + (pick % more);
          const e = (await inner.get(seq)) as StoredEvent;
          if (how === "body") edits.set(seq, { ...e, body: e.body.replace("contact", "kontact") });
          if (how === "hash")
            edits.set(seq, {
              ...e,
              hash: `${e.hash.slice(0, 63)}${e.hash.endsWith("0") ? "1" : "0"}`,
            });
          if (how === "type") edits.set(seq, { ...e, type: "erasure.requested" });
          if (how === "drop-link")
            await inner.append(
              [await unlinkedEvent(inner, e.subjects[0] as string)],
              await inner.head(),
            );
          const full = await verifyStore(store, genesis);
          const inc = await verifyFrom(store, genesis, held);
          expect(full.ok).toBe(false);
          expect(inc.report).toEqual(full);
        },
      ),
      { numRuns: 40 },
    );
  });
});
