import { describe, expect, it } from "vitest";
import { erasureService } from "./erasure/service";
import { ed25519Signer } from "./erasure/signer";
import { isDaichoError } from "./errors";
import type { StoredEvent } from "./events/envelope";
import { memoryKeyStore } from "./keys/memory";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import type { Store } from "./store/store";
import { sampleInput } from "./testing/fixtures";
import { overrideStore } from "./testing/override-store";
import { typeEventsVerified } from "./type-events";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(3) };
const signer = ed25519Signer("type-index.test", new Uint8Array(32).fill(4));
const T0 = new Date("2026-01-31T10:00:00.000Z");

/** A ledger of `n` sample events on `store`, plus one erasure request, through the service. */
async function withRequest(store: Store, n = 200) {
  const ledger = await openLedger({
    store,
    ledgerId: "type-index.test/l",
    keys: { store: memoryKeyStore(), kek },
    clock: () => T0,
  });
  await ledger.appendBatch(Array.from({ length: n }, (_, i) => sampleInput(i)));
  const erasure = erasureService({ ledger, signer, actor: { id: "dpo" }, clock: () => T0 });
  const request = await erasure.request("contact-5", {
    requestedBy: "contact-5",
    channel: "email",
  });
  await ledger.appendBatch(Array.from({ length: 50 }, (_, i) => sampleInput(n + i)));
  return { ledger, erasure, request };
}

/** A store that counts the events `read` hands out, to catch whole-ledger scans. */
function counting(inner: Store) {
  const counter = { read: 0 };
  const store = overrideStore(inner, {
    async *read(range) {
      for await (const e of inner.read(range)) {
        counter.read++;
        yield e;
      }
    },
  });
  return { store, counter };
}

async function rejectionOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("erasure requests read by type", () => {
  it("answers status and open requests without reading the ledger, even on first use", async () => {
    const inner = memoryStore();
    const { store, counter } = counting(inner);
    const { ledger, request } = await withRequest(store);
    // A fresh service: the first status call is the one that used to fold the whole ledger.
    const fresh = erasureService({ ledger, signer, actor: { id: "dpo" }, clock: () => T0 });
    counter.read = 0;
    expect((await fresh.status(request.requestId)).status).toBe("open");
    expect((await fresh.openRequests()).map((r) => r.requestId)).toEqual([request.requestId]);
    expect(counter.read).toBe(0);
  });

  it("refuses a non-erasure event whose type column was edited into an erasure request", async () => {
    const inner = memoryStore();
    const { ledger } = await withRequest(inner);
    const victim = (await inner.get(3)) as StoredEvent; // a data event
    const forged: StoredEvent = { ...victim, type: "erasure.requested" };
    const store = overrideStore(inner, {
      readByType: async (types, from, limit) => {
        const real = await inner.readByType(types, from, limit);
        return types.includes("erasure.requested") && from <= 3
          ? [forged, ...real].sort((a, b) => a.seq - b.seq)
          : real;
      },
    });
    const e = await rejectionOf(typeEventsVerified(store, ["erasure.requested"]));
    expect(isDaichoError(e) && e.code).toBe("STORE_CORRUPT");
    const service = erasureService({
      ledger: await openLedger({
        store,
        ledgerId: "type-index.test/l",
        keys: { store: memoryKeyStore(), kek },
      }),
      signer,
      actor: { id: "dpo" },
    });
    const s = await rejectionOf(service.openRequests());
    expect(isDaichoError(s) && s.code).toBe("STORE_CORRUPT");
    expect(ledger).toBeDefined();
  });

  it("refuses an erasure request whose stored body was edited (the bytes no longer hash)", async () => {
    const inner = memoryStore();
    const { request } = await withRequest(inner);
    const store = overrideStore(inner, {
      readByType: async (types, from, limit) =>
        (await inner.readByType(types, from, limit)).map((e) =>
          e.type === "erasure.requested"
            ? { ...e, body: e.body.replace(request.dueBy, "2099-01-01T00:00:00.000Z") }
            : e,
        ),
    });
    const e = await rejectionOf(typeEventsVerified(store, ["erasure.requested"]));
    expect(isDaichoError(e) && e.code).toBe("STORE_CORRUPT");
  });

  it("refuses an index that returns the same event twice", async () => {
    const inner = memoryStore();
    await withRequest(inner);
    const store = overrideStore(inner, {
      readByType: async (types, from, limit) => {
        const real = await inner.readByType(types, from, limit);
        return real.length === 0 ? real : [real[0] as StoredEvent, ...real];
      },
    });
    const e = await rejectionOf(typeEventsVerified(store, ["erasure.requested"]));
    expect(isDaichoError(e) && e.code).toBe("STORE_CORRUPT");
  });
});

describe("verify checks the index by type", () => {
  async function ledgerOn(store: Store) {
    const ledger = await openLedger({ store, ledgerId: "type-index.test/v" });
    await ledger.appendBatch(Array.from({ length: 120 }, (_, i) => sampleInput(i)));
    return ledger;
  }

  it("fails when an index entry is missing (reads by type would skip an event)", async () => {
    const inner = memoryStore();
    await ledgerOn(inner);
    const dropped = (await inner.get(42)) as StoredEvent;
    const store = overrideStore(inner, {
      async *typeIndexCounts(through) {
        for await (const c of inner.typeIndexCounts(through))
          yield c.type === dropped.type ? { ...c, rows: c.rows - 1 } : c;
      },
      readByType: async (types, from, limit) =>
        (await inner.readByType(types, from, limit)).filter((e) => e.seq !== 42),
    });
    const report = await (await openLedger({ store, ledgerId: "type-index.test/v" })).verify();
    expect(report).toMatchObject({
      ok: false,
      failure: { kind: "index-mismatch", seq: 42 },
    });
  });

  it("fails when the index names a type no verified event has", async () => {
    const inner = memoryStore();
    await ledgerOn(inner);
    const store = overrideStore(inner, {
      async *typeIndexCounts(through) {
        yield* inner.typeIndexCounts(through);
        yield { type: "erasure.requested", rows: 1 };
      },
    });
    const report = await (await openLedger({ store, ledgerId: "type-index.test/v" })).verify();
    expect(report).toMatchObject({ ok: false, failure: { kind: "index-mismatch" } });
  });

  it("fails when a type has no index entries at all", async () => {
    const inner = memoryStore();
    await ledgerOn(inner);
    const gone = ((await inner.get(0)) as StoredEvent).type;
    const store = overrideStore(inner, {
      async *typeIndexCounts(through) {
        for await (const c of inner.typeIndexCounts(through)) if (c.type !== gone) yield c;
      },
    });
    const report = await (await openLedger({ store, ledgerId: "type-index.test/v" })).verify();
    expect(report).toMatchObject({ ok: false, failure: { kind: "index-mismatch", seq: 0 } });
  });

  it("passes on an untouched store and says it checked the index by type", async () => {
    const report = await (await ledgerOn(memoryStore())).verify();
    expect(report).toMatchObject({ ok: true, checked: expect.arrayContaining(["type-index"]) });
  });
});
