import {
  type EventInput,
  memoryStore,
  openLedger,
  type Store,
  type StoredEvent,
} from "@daicho/core";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { LedgerWatch } from "./watch";

/** The store as an attacker with write access to the database would leave it: one body edited. */
function tampered(store: Store, edit: { seq: number; at: number } | undefined): Store {
  const change = (e: StoredEvent): StoredEvent => {
    if (edit === undefined || e.seq !== edit.seq) return e;
    const i = edit.at % e.body.length;
    const c = e.body.charCodeAt(i);
    return {
      ...e,
      body: `${e.body.slice(0, i)}${String.fromCharCode(c === 0x41 ? 0x42 : 0x41)}${e.body.slice(i + 1)}`,
    };
  };
  return Object.assign(Object.create(store) as Store, {
    read: (range?: Parameters<Store["read"]>[0]) =>
      (async function* () {
        for await (const e of store.read(range)) yield change(e);
      })(),
  });
}

const event = (i: number): EventInput => ({
  type: "data.accessed",
  actor: { id: `staff-${i % 3}` },
  subjects: [`contact-${i % 4}`],
  payload: {
    resource: { type: "contact", id: `contact-${i % 4}` },
    fields: ["email"],
    purpose: "sales",
    outcome: "allowed",
  },
});

describe("LedgerWatch", () => {
  it("incremental passes at any split points verify exactly what one pass from genesis does", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 6 }),
        async (batches) => {
          const ledger = await openLedger({ store: memoryStore(), ledgerId: "watch.test/ledger" });
          const watch = new LedgerWatch(ledger.store, ledger.genesis);
          let n = 0;
          for (const size of batches) {
            await ledger.appendBatch(Array.from({ length: size }, () => event(n++)));
            const report = await watch.catchUp();
            expect(report).toEqual({ ok: true, head: await ledger.head(), count: n });
          }
          const fresh = await new LedgerWatch(ledger.store, ledger.genesis).catchUp();
          expect(fresh).toEqual(watch.report());
        },
      ),
      { numRuns: 40 },
    );
  });

  it("an edited byte in any event not yet verified, or in the verified head, is found at that event", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 8 }),
        fc.integer({ min: 1, max: 8 }),
        fc.nat(),
        fc.nat(),
        async (before, after, pick, at) => {
          const ledger = await openLedger({ store: memoryStore(), ledgerId: "watch.test/ledger" });
          await ledger.appendBatch(Array.from({ length: before }, (_, i) => event(i)));
          const edit: { seq: number; at: number } = { seq: -1, at };
          const watch = new LedgerWatch(tampered(ledger.store, edit), ledger.genesis);
          expect((await watch.catchUp()).ok).toBe(true);
          await ledger.appendBatch(Array.from({ length: after }, (_, i) => event(before + i)));
          // The verified head (seq before-1) or any of the new events.
          edit.seq = before - 1 + (pick % (after + 1));
          const report = await watch.catchUp();
          expect(report.ok).toBe(false);
          if (report.ok) return;
          expect(report.failure.seq).toBe(edit.seq);
          expect(() => watch.assertIntact()).toThrow(/STORE_CORRUPT|failed verification/);
          // It sticks: the next pass does not go past the failure.
          expect((await watch.catchUp()).ok).toBe(false);
        },
      ),
      { numRuns: 60 },
    );
  });

  it("a store rolled back behind the verified head is reported as truncated", async () => {
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "watch.test/ledger" });
    await ledger.appendBatch([event(0), event(1), event(2)]);
    let rolledBack = false;
    const store = Object.assign(Object.create(ledger.store) as Store, {
      head: async () =>
        rolledBack
          ? { seq: 0, hash: (await ledger.store.get(0))?.hash as string }
          : ledger.store.head(),
    });
    const watch = new LedgerWatch(store, ledger.genesis);
    expect((await watch.catchUp()).ok).toBe(true);
    rolledBack = true;
    expect(await watch.catchUp()).toMatchObject({
      ok: false,
      failure: { seq: 2, kind: "truncated" },
    });
  });
});
