import { isDaichoError, openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import { UnavailableError } from "@kurrent/kurrentdb-client";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { binaryRecord, type KurrentClient } from "./client";
import { kurrentError } from "./errors";
import {
  fromEventData,
  kurrentEventId,
  LINK_TYPE,
  linkData,
  linkTarget,
  streamNames,
  toEventData,
} from "./mapping";
import { kurrentdbStore } from "./store";
import { fakeKurrentClient } from "./testing/fake-client";

const LEDGER = "kurrent.test/ledger";

async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

describe("KurrentDB mapping (pure)", () => {
  const event = {
    seq: 7,
    id: "evt-7",
    type: "record.updated",
    recordedAt: "2026-11-25T00:00:00.000Z",
    subjects: ["contact-1", "contact-2"],
    prevHash: "a".repeat(64),
    hash: "b".repeat(64),
    body: '{"a":"\\u0000 é 😀","v":1}',
  };

  it("round-trips a stored event through its JSON data byte for byte", () => {
    expect(fromEventData(JSON.parse(JSON.stringify(toEventData(event))), 7n)).toEqual(event);
  });

  it("refuses an event whose stream revision is not its sequence number", () => {
    expect(() => fromEventData(toEventData(event), 8n)).toThrow(/differs from its stream revision/);
    expect(() => fromEventData({ seq: 7 }, 7n)).toThrow(/not a Daichō event/);
  });

  it("derives stable RFC 9562 version-8 UUIDs from event hashes", () => {
    fc.assert(
      fc.property(
        fc.stringMatching(/^[0-9a-f]{64}$/),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        (a, b) => {
          const id = kurrentEventId(a);
          expect(id).toMatch(
            /^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/,
          );
          expect(kurrentEventId(a)).toBe(id);
          if (a !== b) expect(kurrentEventId(b)).not.toBe(id);
        },
      ),
    );
  });

  it("names streams by tenant and digests, never by subject or event id", () => {
    const n = streamNames("daicho", "tenant-a");
    expect([n.meta, n.events, n.subjects]).toEqual([
      "daicho-tenant-a-meta",
      "daicho-tenant-a-events",
      "daicho-tenant-a-subjects",
    ]);
    expect(n.subject("山田@example.jp")).toMatch(/^daicho-tenant-a-subject-[0-9a-f]{32}$/);
    expect(n.id("evt-1")).toMatch(/^daicho-tenant-a-id-[0-9a-f]{32}$/);
    expect(n.subject("x")).not.toBe(n.subject("y"));
    expect(() => streamNames("daicho", "a b")).toThrow();
    expect(() => streamNames("daicho", "$all")).toThrow();
  });

  it("reads a link's target only when it points into the events stream", () => {
    fc.assert(
      fc.property(fc.nat({ max: 2 ** 40 }), (seq) => {
        expect(linkTarget(linkData(seq, "s-events"), "s-events")).toBe(seq);
        expect(linkTarget(linkData(seq, "s-events"), "other")).toBeUndefined();
      }),
    );
    for (const bad of ["01@s", "-1@s", "1e3@s", "@s", "1@", "x"]) {
      expect(linkTarget(bad, "s")).toBeUndefined();
    }
  });

  it("maps client errors, raw grpc-js errors and socket errors onto typed errors", () => {
    const cases: [unknown, string, boolean][] = [
      [{ type: "wrong-expected-version" }, "CONCURRENCY_CONFLICT", true],
      [new UnavailableError(), "STORE_UNAVAILABLE", true],
      [{ type: "not-leader" }, "STORE_UNAVAILABLE", true],
      [{ code: 14, details: "No connection established" }, "STORE_UNAVAILABLE", true], // grpc UNAVAILABLE, no .type
      [{ code: 4 }, "STORE_UNAVAILABLE", true], // DEADLINE_EXCEEDED
      [Object.assign(new Error("reset"), { code: "ECONNRESET" }), "STORE_UNAVAILABLE", true],
      [{ type: "stream-deleted" }, "STORE_CORRUPT", false],
      [{ type: "maximum-append-size-exceeded" }, "PAYLOAD_TOO_LARGE", false],
      [{ type: "access-denied" }, "STORE_UNAVAILABLE", false],
      [{ type: "unsupported" }, "STORE_UNAVAILABLE", false],
    ];
    for (const [e, code, retryable] of cases) {
      expect(kurrentError(e, "events")).toMatchObject({ code, retryable });
    }
  });
});

describe("KurrentDB store on the fake: what the shared suites cannot see", () => {
  it("answers a fresh process's subject queries without reading the events stream", async () => {
    const server = fakeKurrentClient();
    const names = streamNames("daicho", "t");
    const ledger = await openLedger({
      store: kurrentdbStore({ client: server.client, tenant: "t" }),
      ledgerId: LEDGER,
    });
    for (let i = 0; i < 200; i++) await ledger.append(sampleInput(i, `s-${i % 5}`));
    const fresh = kurrentdbStore({ client: server.client, tenant: "t" });
    server.calls.reads.clear();
    const heads = await fresh.subjectHeads(["s-1", "s-2"]);
    const events = await collect(fresh.readSubject("s-1"));
    expect(events.map((e) => e.seq)).toEqual(Array.from({ length: 40 }, (_, i) => 1 + 5 * i));
    expect(heads.get("s-2")?.seq).toBe(197);
    expect(server.calls.reads.get(names.events) ?? 0).toBe(0); // links resolved by the server
    expect(server.calls.reads.get(names.subject("s-1"))).toBe(2); // one read each
  });

  it("reads from the leader: a lagging follower cannot make it fork a subject's chain", async () => {
    const server = fakeKurrentClient();
    const a = await openLedger({
      store: kurrentdbStore({ client: server.client, tenant: "t" }),
      ledgerId: LEDGER,
    });
    await a.append(sampleInput(0, "s"));
    server.lagFollower(true); // a follower stops here
    await a.append(sampleInput(1, "s"));
    const b = await openLedger({
      store: kurrentdbStore({ client: server.client, tenant: "t" }),
      ledgerId: LEDGER,
    });
    await b.append(sampleInput(2, "s"));
    expect(await b.verify()).toMatchObject({ ok: true, count: 3 });
  });

  it("maps a server MaxAppendSize below the store's setting to PAYLOAD_TOO_LARGE and writes nothing", async () => {
    const server = fakeKurrentClient({ maxAppendBytes: 64 * 1024 });
    const store = kurrentdbStore({
      client: server.client,
      tenant: "t",
      maxAppendBytes: 1024 * 1024,
    });
    const ledger = await openLedger({ store, ledgerId: LEDGER });
    const e = await rejection(
      ledger.appendBatch(Array.from({ length: 200 }, (_, i) => sampleInput(i))),
    );
    expect(isDaichoError(e, "PAYLOAD_TOO_LARGE")).toBe(true);
    expect(await store.head()).toBeNull();
  });

  it("refuses to write on a server without multi-stream append, naming the version it needs", async () => {
    const server = fakeKurrentClient({ multiStreamAppend: false });
    const store = kurrentdbStore({ client: server.client, tenant: "t" });
    const ledger = await openLedger({ store, ledgerId: LEDGER });
    const e = await rejection(ledger.append(sampleInput(0)));
    expect(e).toMatchObject({ code: "STORE_UNAVAILABLE", retryable: false });
    expect(String((e as Error).message)).toMatch(/25\.1/);
    expect(await store.head()).toBeNull();
  });

  it("refuses a link stream with a planted or repeated link, and verify names the index", async () => {
    const server = fakeKurrentClient();
    const names = streamNames("daicho", "t");
    const store = kurrentdbStore({ client: server.client, tenant: "t" });
    const ledger = await openLedger({ store, ledgerId: LEDGER });
    for (let i = 0; i < 3; i++) await ledger.append(sampleInput(i, i === 1 ? "other" : "s"));
    const plant = (seq: number) =>
      server.client.appendToStream(
        names.subject("s"),
        binaryRecord(crypto.randomUUID(), LINK_TYPE, linkData(seq, names.events)),
      );
    await plant(1); // an event about "other", not "s"
    expect(isDaichoError(await rejection(collect(store.readSubject("s"))), "STORE_CORRUPT")).toBe(
      true,
    );
    expect(await ledger.verify()).toMatchObject({ ok: false, failure: { kind: "index-mismatch" } });

    const server2 = fakeKurrentClient();
    const store2 = kurrentdbStore({ client: server2.client, tenant: "t" });
    const ledger2 = await openLedger({ store: store2, ledgerId: LEDGER });
    for (let i = 0; i < 3; i++) await ledger2.append(sampleInput(i, "s"));
    await server2.client.appendToStream(
      names.subject("s"),
      binaryRecord(crypto.randomUUID(), LINK_TYPE, linkData(2, names.events)),
    );
    expect(isDaichoError(await rejection(collect(store2.readSubject("s"))), "STORE_CORRUPT")).toBe(
      true,
    );
    expect((await ledger2.verify()).ok).toBe(false);
  });

  it("refuses a re-sent event id as DUPLICATE_EVENT, from another process too", async () => {
    const server = fakeKurrentClient();
    const a = await openLedger({
      store: kurrentdbStore({ client: server.client, tenant: "t" }),
      ledgerId: LEDGER,
    });
    await a.append({ ...sampleInput(0), id: "order-1" } as never);
    const b = await openLedger({
      store: kurrentdbStore({ client: server.client, tenant: "t" }),
      ledgerId: LEDGER,
    });
    const e = await rejection(b.append({ ...sampleInput(1), id: "order-1" } as never));
    expect(isDaichoError(e, "DUPLICATE_EVENT")).toBe(true);
    expect(await b.verify()).toMatchObject({ ok: true, count: 1 });
  });

  it("maps the real client's failures with no server listening to retryable STORE_UNAVAILABLE", async () => {
    // The real @kurrent/kurrentdb-client, pointed at a loopback port nothing listens on.
    const store = kurrentdbStore({
      connectionString: "kurrentdb://127.0.0.1:2113?tls=false&maxDiscoverAttempts=1",
      tenant: "t",
      deadlineMs: 2000,
    });
    for (const call of [() => store.head(), () => store.meta(), () => store.subjectHeads(["a"])]) {
      expect(await rejection(call())).toMatchObject({ code: "STORE_UNAVAILABLE", retryable: true });
    }
    await store.close();
  }, 60_000);

  it("close() waits for a read in flight and refuses calls after it", async () => {
    const server = fakeKurrentClient();
    const store = kurrentdbStore({ client: server.client, tenant: "t" });
    await store.init({
      ledgerId: LEDGER,
      createdAt: "2026-11-25T00:00:00.000Z",
      envelopeVersion: 1,
    });
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const slow: KurrentClient = {
      ...server.client,
      getStreamMetadata: (async (...args: Parameters<KurrentClient["getStreamMetadata"]>) => {
        await gate;
        return server.client.getStreamMetadata(...args);
      }) as never,
    };
    const held = kurrentdbStore({ client: slow, tenant: "t" });
    const pending = held.head().catch((e) => e); // an empty events stream: its metadata is checked
    await new Promise((r) => setTimeout(r, 5));
    let closed = false;
    const closing = held.close().then(() => {
      closed = true;
    });
    await new Promise((r) => setTimeout(r, 5));
    expect(closed).toBe(false);
    release();
    await closing;
    expect(await pending).toBeNull();
    expect(isDaichoError(await rejection(held.head()), "STORE_CLOSED")).toBe(true);
  });
});
