import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { DaichoError, isDaichoError } from "./errors";
import type { LedgerEvent } from "./events/envelope";
import type { EventInput } from "./events/input";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import type { Store } from "./store/store";
import { sampleInput } from "./testing/fixtures";

const LEDGER_ID = "ledger.test/ledger";
const open = async (options: { maxEventBytes?: number } = {}) =>
  openLedger({ store: memoryStore(), ledgerId: LEDGER_ID, ...options });

async function rejectionOf(p: Promise<unknown>) {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

const valid = sampleInput(0, "contact-1") as Record<string, unknown>;
const withPayload = (patch: Record<string, unknown>) => ({
  ...valid,
  payload: { ...(valid.payload as object), ...patch },
});

describe("ledger.append", () => {
  it("records a typed event with sequence, timestamps, links and hash", async () => {
    const ledger = await open();
    const a = await ledger.append(sampleInput(0, "contact-1"));
    const b = await ledger.append(sampleInput(1, "contact-1"));
    expect(a.seq).toBe(0);
    expect(a.prevHash).toBe(ledger.genesis);
    expect(b.prevHash).toBe(a.hash);
    expect(b.subjects).toEqual([{ id: "contact-1", prevSeq: 0, prevHash: a.hash }]);
    expect(b.recordedAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 });
  });

  it("normalises occurredAt to UTC milliseconds", async () => {
    const ledger = await open();
    const e = await ledger.append({
      ...sampleInput(0),
      occurredAt: "2026-04-01T09:00:00.123456+09:00",
    } as EventInput);
    expect(e.occurredAt).toBe("2026-04-01T00:00:00.123Z");
  });

  const badInputs: [string, unknown, string][] = [
    ["an unknown event type", { ...valid, type: "data.leaked" }, "$[1].type"],
    ["a missing actor", { ...valid, actor: undefined }, "$[1].actor"],
    [
      "an actor id that is an e-mail address",
      { ...valid, actor: { id: "taro@example.com" } },
      "$[1].actor.id",
    ],
    [
      "an impossible timestamp",
      { ...valid, occurredAt: "2026-02-31T10:00:00Z" },
      "$[1].occurredAt",
    ],
    [
      "a timestamp without offset",
      { ...valid, occurredAt: "2026-02-01 10:00:00" },
      "$[1].occurredAt",
    ],
    [
      "a field value where a field name is expected",
      withPayload({ fields: ["taro@example.com"] }),
      "$[1].payload.fields[0]",
    ],
    ["an unknown payload member", withPayload({ email: "taro@example.com" }), "$[1].payload.email"],
    ["a wrong outcome", withPayload({ outcome: "maybe" }), "$[1].payload.outcome"],
    ["a subject id with spaces", { ...valid, subjects: ["Taro Yamada"] }, "$[1].subjects[0]"],
  ];

  for (const [what, input, path] of badInputs) {
    it(`rejects ${what} with a typed error naming ${path}, and appends nothing`, async () => {
      const ledger = await open();
      await ledger.append(sampleInput(5));
      const e = await rejectionOf(ledger.appendBatch([sampleInput(6), input]));
      expect(isDaichoError(e, "DECODE_ERROR")).toBe(true);
      expect((e as { path: string }).path).toBe(path);
      expect(String((e as Error).message)).not.toContain("taro@example.com");
      expect(String((e as Error).message)).not.toContain("Taro Yamada");
      expect((await ledger.head())?.seq).toBe(0);
    });
  }

  it("rejects an oversized event and appends nothing", async () => {
    const ledger = await open({ maxEventBytes: 2048 });
    const fields = Array.from({ length: 200 }, (_, i) => `field_${i}`);
    const e = await rejectionOf(ledger.appendBatch([sampleInput(1), withPayload({ fields })]));
    expect(isDaichoError(e, "PAYLOAD_TOO_LARGE")).toBe(true);
    expect(await ledger.head()).toBeNull();
  });

  it("rejects arbitrary junk without appending (property)", async () => {
    const ledger = await open();
    await fc.assert(
      fc.asyncProperty(fc.anything(), async (junk) => {
        const e = await rejectionOf(ledger.appendBatch([junk]));
        expect(isDaichoError(e)).toBe(true);
        expect(await ledger.head()).toBeNull();
      }),
      { numRuns: 200 },
    );
  });

  it("refuses a ledger id that cannot be a checkpoint origin", async () => {
    const e = await rejectionOf(openLedger({ store: memoryStore(), ledgerId: "has space" }));
    expect(isDaichoError(e, "INVALID_ARGUMENT")).toBe(true);
  });

  it("refuses to open a store that holds another ledger", async () => {
    const store = memoryStore();
    await openLedger({ store, ledgerId: LEDGER_ID });
    const e = await rejectionOf(openLedger({ store, ledgerId: "other.test/ledger" }));
    expect(isDaichoError(e, "LEDGER_MISMATCH")).toBe(true);
  });

  it("groups concurrent appends yet keeps each caller's batch contiguous", async () => {
    const ledger = await open();
    const batches = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        ledger.appendBatch([sampleInput(i * 3), sampleInput(i * 3 + 1), sampleInput(i * 3 + 2)]),
      ),
    );
    for (const b of batches) {
      expect(b.map((e) => e.seq)).toEqual([b[0]?.seq, (b[0]?.seq ?? 0) + 1, (b[0]?.seq ?? 0) + 2]);
    }
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 60 });
  });

  it("a bad batch in a group fails alone; the others commit", async () => {
    const ledger = await open({ maxEventBytes: 2048 });
    const fields = Array.from({ length: 200 }, (_, i) => `field_${i}`);
    const results = await Promise.allSettled([
      ledger.append(sampleInput(1)),
      ledger.appendBatch([withPayload({ fields })]),
      ledger.append(sampleInput(2)),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 });
  });

  it("two ledgers on one store interleave without stale heads or subject links (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.tuple(fc.boolean(), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 1, max: 3 })),
          {
            minLength: 1,
            maxLength: 30,
          },
        ),
        async (steps) => {
          const store = memoryStore();
          const a = await openLedger({ store, ledgerId: LEDGER_ID });
          const b = await openLedger({ store, ledgerId: LEDGER_ID });
          for (const [useA, subject, size] of steps) {
            const batch = Array.from({ length: size }, (_, i) =>
              sampleInput(i, `contact-${subject}`),
            );
            await (useA ? a : b).appendBatch(batch);
          }
          const total = steps.reduce((n, [, , size]) => n + size, 0);
          expect(await a.verify()).toMatchObject({ ok: true, count: total });
        },
      ),
      { numRuns: 50 },
    );
  });

  it("hands out events whose payload type narrows on `type`", async () => {
    const ledger = await open();
    const events = await ledger.appendBatch([sampleInput(3), sampleInput(0)]);
    // Compile-time check (tsc runs in CI): no cast is needed to reach a payload member.
    const countOf = (e: LedgerEvent) =>
      e.type === "data.exported" ? e.payload.recordCount : undefined;
    expect(events.map(countOf)).toEqual([2, undefined]);
  });

  it("a failed write while the next group is sealed ahead loses nothing else (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 40 }),
        fc.integer({ min: 0, max: 6 }),
        async (appends, failAt) => {
          const inner = memoryStore();
          let calls = 0;
          // A store whose writes take a moment (so groups queue and are sealed ahead)
          // and whose `failAt`-th write fails after the delay, writing nothing.
          const store: Store = {
            ...inner,
            kind: "flaky",
            init: (m) => inner.init(m),
            meta: () => inner.meta(),
            head: () => inner.head(),
            read: (r) => inner.read(r),
            get: (q) => inner.get(q),
            subjectHeads: (s) => inner.subjectHeads(s),
            readSubject: (s) => inner.readSubject(s),
            subjectIndexCounts: (t) => inner.subjectIndexCounts(t),
            strayIndexRows: (t, l) => inner.strayIndexRows(t, l),
            close: () => inner.close(),
            append: async (events, expected) => {
              const call = calls++;
              await new Promise((r) => setTimeout(r, 1));
              if (call === failAt)
                throw new DaichoError("STORE_UNAVAILABLE", "injected", { retryable: true });
              return inner.append(events, expected);
            },
          };
          const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
          const results = await Promise.allSettled(
            Array.from({ length: appends }, (_, i) =>
              ledger.append(sampleInput(i, `contact-${i % 3}`)),
            ),
          );
          const ok = results.filter((r) => r.status === "fulfilled").length;
          const report = await ledger.verify();
          expect(report).toMatchObject({ ok: true, count: ok });
          const seqs = results.flatMap((r) => (r.status === "fulfilled" ? [r.value.seq] : []));
          expect([...seqs].sort((a, b) => a - b)).toEqual(Array.from({ length: ok }, (_, i) => i));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("notifies listeners after a durable append", async () => {
    const ledger = await open();
    const seen: number[] = [];
    ledger.onAppend((events) => seen.push(...events.map((e) => e.seq)));
    await ledger.appendBatch([sampleInput(1), sampleInput(2)]);
    expect(seen).toEqual([0, 1]);
  });
});

describe("ledger.append with expectSubjectHeads", () => {
  const head = (e: LedgerEvent) => ({ seq: e.seq, hash: e.hash });

  it("appends when the subjects' latest events are the ones decided on, and refuses otherwise", async () => {
    const store = memoryStore();
    const mine = await openLedger({ store, ledgerId: LEDGER_ID });
    const other = await openLedger({ store }); // another process on the same store
    const a = await mine.append(sampleInput(1, "contact-1"));
    const ok = await mine.append(sampleInput(1, "contact-1"), {
      expectSubjectHeads: new Map([["contact-1", head(a)]]),
    });
    const fresh = await mine.append(sampleInput(1, "contact-9"), {
      expectSubjectHeads: new Map([["contact-9", null]]),
    });
    expect(fresh.subjects).toEqual([{ id: "contact-9" }]);
    // The other ledger records an event about contact-1; this ledger's cache does not know.
    await other.append(sampleInput(1, "contact-1"));
    const before = await store.head();
    for (const expected of [head(ok), head(a), null]) {
      const err = await rejectionOf(
        mine.append(sampleInput(1, "contact-1"), {
          expectSubjectHeads: new Map([["contact-1", expected]]),
        }),
      );
      expect(isDaichoError(err, "CONCURRENCY_CONFLICT")).toBe(true);
      expect((err as DaichoError).details?.subject).toBe("contact-1");
    }
    // A wrong hash with the right seq is refused too.
    const last = (await store.head()) as { seq: number; hash: string };
    const wrongHash = { seq: last.seq, hash: "0".repeat(64) };
    expect(
      isDaichoError(
        await rejectionOf(
          mine.append(sampleInput(1, "contact-1"), {
            expectSubjectHeads: new Map([["contact-1", wrongHash]]),
          }),
        ),
        "CONCURRENCY_CONFLICT",
      ),
    ).toBe(true);
    expect(await store.head()).toEqual(before);
    expect(await mine.verify()).toMatchObject({ ok: true });
  });

  it("refuses a conditional batch when an earlier batch of the same group is about the subject; the others commit", async () => {
    const ledger = await open();
    const a = await ledger.append(sampleInput(1, "contact-1"));
    const results = await Promise.allSettled([
      ledger.append(sampleInput(1, "contact-1")),
      ledger.append(sampleInput(1, "contact-1"), {
        expectSubjectHeads: new Map([["contact-1", head(a)]]),
      }),
      ledger.append(sampleInput(1, "contact-2")),
    ]);
    expect(results.map((r) => r.status)).toEqual(["fulfilled", "rejected", "fulfilled"]);
    expect(
      isDaichoError((results[1] as PromiseRejectedResult).reason, "CONCURRENCY_CONFLICT"),
    ).toBe(true);
    expect((await ledger.head())?.seq).toBe(2);
  });
});

describe("group commit under a store's append limit", () => {
  /** A memory store that caps one append at `maxBytes` of bodies, and records each append's size. */
  function cappedStore(maxBytes: number) {
    const inner = memoryStore();
    const sizes: number[] = [];
    const bodyBytes = (e: { body: string }) => Buffer.byteLength(e.body, "utf8");
    const store: Store = {
      ...inner,
      kind: inner.kind,
      init: (m) => inner.init(m),
      meta: () => inner.meta(),
      head: () => inner.head(),
      read: (r) => inner.read(r),
      get: (s) => inner.get(s),
      subjectHeads: (s) => inner.subjectHeads(s),
      readSubject: (s) => inner.readSubject(s),
      subjectIndexCounts: (t) => inner.subjectIndexCounts(t),
      strayIndexRows: (t, l) => inner.strayIndexRows(t, l),
      close: () => inner.close(),
      appendLimit: { maxBytes, eventBytes: bodyBytes },
      async append(events, expected) {
        const size = events.reduce((n, e) => n + bodyBytes(e), 0);
        if (size > maxBytes) throw new DaichoError("PAYLOAD_TOO_LARGE", "over the cap");
        sizes.push(size);
        await inner.append(events, expected);
      },
    };
    return { store, sizes };
  }

  it("splits a group between callers' batches, never inside one", async () => {
    const { store, sizes } = cappedStore(60_000);
    const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
    const batches = Array.from({ length: 5 }, (_, b) =>
      Array.from({ length: 60 }, (_, i) => sampleInput(b * 60 + i)),
    );
    const results = await Promise.all(batches.map((b) => ledger.appendBatch(b)));
    for (const events of results) {
      const first = (events[0] as LedgerEvent).seq;
      expect(events.map((e) => e.seq)).toEqual(events.map((_, i) => first + i));
    }
    expect(sizes.length).toBeGreaterThan(1);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(60_000);
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 300 });
  });

  it("refuses only the batch that no append can carry", async () => {
    const { store } = cappedStore(20_000);
    const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
    const big = Array.from({ length: 200 }, (_, i) => sampleInput(i));
    // The first append is in flight, so the next two wait and are committed as one group.
    const [, a, b] = await Promise.allSettled([
      ledger.append(sampleInput(900)),
      ledger.appendBatch(big),
      ledger.appendBatch([sampleInput(500)]),
    ]);
    expect(isDaichoError((a as PromiseRejectedResult).reason, "PAYLOAD_TOO_LARGE")).toBe(true);
    expect(b.status).toBe("fulfilled");
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 2 });
  });
});
