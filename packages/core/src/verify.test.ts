import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sealBody } from "./chain";
import type { StoredEvent } from "./events/envelope";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import { sampleInput } from "./testing/fixtures";
import { type VerifyOptions, verifyEvents } from "./verify";

const LEDGER_ID = "verify.test/ledger";

async function history(
  n: number,
  seed: number,
): Promise<{ events: StoredEvent[]; genesis: string }> {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
  await ledger.appendBatch(
    Array.from({ length: n }, (_, i) => sampleInput(seed + i, `contact-${(seed * 7 + i) % 5}`)),
  );
  const events: StoredEvent[] = [];
  for await (const e of store.read()) events.push(e);
  return { events, genesis: ledger.genesis };
}

async function* iterate(events: readonly StoredEvent[]) {
  yield* events;
}

const verify = (events: readonly StoredEvent[], genesis: string, options?: VerifyOptions) =>
  verifyEvents(iterate(events), genesis, options);

/** Re-seal event `e` after `mutate`, as an attacker with write access but no checkpoint would. */
function rewritten(e: StoredEvent, mutate: (body: Record<string, unknown>) => void): StoredEvent {
  const body = JSON.parse(e.body) as Record<string, unknown>;
  mutate(body);
  return sealBody(body as never);
}

const failureOf = async (
  events: readonly StoredEvent[],
  genesis: string,
  options?: VerifyOptions,
) => {
  const r = await verify(events, genesis, options);
  return r.ok ? undefined : { seq: r.failure.seq, kind: r.failure.kind };
};

const sizes = fc.integer({ min: 3, max: 40 });
const seeds = fc.integer({ min: 0, max: 1000 });

describe("verify detects every single change at the right sequence number", () => {
  it("accepts an untouched ledger and reports its head", async () => {
    const { events, genesis } = await history(25, 1);
    expect(await verify(events, genesis)).toEqual({
      ok: true,
      count: 25,
      headSeq: 24,
      headHash: events[24]?.hash,
    });
  });

  it("any changed byte of a body or stored hash → content-changed at that event", async () => {
    await fc.assert(
      fc.asyncProperty(
        sizes,
        seeds,
        fc.nat(),
        fc.nat(),
        fc.boolean(),
        fc.integer({ min: 1, max: 94 }),
        async (n, seed, k0, p0, inHash, delta) => {
          const { events, genesis } = await history(n, seed);
          const k = k0 % n;
          const target = events[k] as StoredEvent;
          const field = inHash ? target.hash : target.body;
          const p = p0 % field.length;
          const code = field.charCodeAt(p);
          const replaced = String.fromCharCode(((code - 32 + delta) % 95) + 32);
          const changed = field.slice(0, p) + replaced + field.slice(p + 1);
          const tampered = events.map((e, i) =>
            i === k ? { ...e, [inHash ? "hash" : "body"]: changed } : e,
          );
          expect(await failureOf(tampered, genesis)).toEqual({ seq: k, kind: "content-changed" });
        },
      ),
      { numRuns: 60 },
    );
  });

  it("an event rewritten and re-hashed (not the last) → content-changed at that event", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, seeds, fc.nat(), async (n, seed, k0) => {
        const { events, genesis } = await history(n, seed);
        const k = k0 % (n - 1);
        const tampered = events.map((e, i) =>
          i === k
            ? rewritten(e, (b) => {
                b.occurredAt = "2020-01-01T00:00:00.000Z";
              })
            : e,
        );
        expect(await failureOf(tampered, genesis)).toEqual({ seq: k, kind: "content-changed" });
      }),
      { numRuns: 40 },
    );
  });

  it("a deleted event → event-missing at its sequence number", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, seeds, fc.nat(), async (n, seed, k0) => {
        const { events, genesis } = await history(n, seed);
        const k = k0 % (n - 1);
        expect(
          await failureOf(
            events.filter((_, i) => i !== k),
            genesis,
          ),
        ).toEqual({ seq: k, kind: "event-missing" });
      }),
      { numRuns: 40 },
    );
  });

  it("two swapped events → order-changed at the first of them", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, seeds, fc.nat(), fc.nat(), async (n, seed, a, b) => {
        const { events, genesis } = await history(n, seed);
        const i = Math.min(a % n, b % n);
        const j = Math.max(a % n, b % n);
        fc.pre(i !== j);
        const swapped = [...events];
        [swapped[i], swapped[j]] = [events[j] as StoredEvent, events[i] as StoredEvent];
        expect(await failureOf(swapped, genesis)).toEqual({ seq: i, kind: "order-changed" });
      }),
      { numRuns: 40 },
    );
  });

  it("an inserted well-formed event → chain-forked at the sequence number it claims", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, seeds, fc.nat(), async (n, seed, k0) => {
        const { events, genesis } = await history(n, seed);
        const k = 1 + (k0 % (n - 1));
        const forged = rewritten(events[k] as StoredEvent, (b) => {
          b.id = "forged";
        });
        const inserted = [...events.slice(0, k), forged, ...events.slice(k)];
        expect(await failureOf(inserted, genesis)).toEqual({ seq: k, kind: "chain-forked" });
      }),
      { numRuns: 40 },
    );
  });

  it("a replayed copy of any event inserted anywhere is detected near the insertion point", async () => {
    await fc.assert(
      fc.asyncProperty(sizes, seeds, fc.nat(), fc.nat(), async (n, seed, k0, m0) => {
        const { events, genesis } = await history(n, seed);
        const k = 1 + (k0 % (n - 1));
        const copy = events[m0 % n] as StoredEvent;
        const inserted = [...events.slice(0, k), copy, ...events.slice(k)];
        const failure = await failureOf(inserted, genesis);
        expect(failure).toBeDefined();
        expect([k - 1, k]).toContain(failure?.seq);
      }),
      { numRuns: 40 },
    );
  });

  it("a truncated tail is detected against a head the auditor holds", async () => {
    const { events, genesis } = await history(12, 3);
    const held = { seq: 11, hash: (events[11] as StoredEvent).hash };
    expect(await failureOf(events.slice(0, 9), genesis, { expectHead: held })).toEqual({
      seq: 9,
      kind: "truncated",
    });
    expect(await failureOf(events, genesis, { expectHead: held })).toBeUndefined();
  });

  it("a ledger rolled back and re-extended to the same length fails the held head (head-mismatch)", async () => {
    // One real history; the operator keeps its first 7 events, drops 5 and appends 5 others.
    const store = memoryStore();
    const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
    await ledger.appendBatch(
      Array.from({ length: 12 }, (_, i) => sampleInput(i, `contact-${i % 3}`)),
    );
    const original: StoredEvent[] = [];
    for await (const e of store.read()) original.push(e);
    const held = { seq: 11, hash: (original[11] as StoredEvent).hash };

    const rolledBack = memoryStore();
    await rolledBack.init({
      ledgerId: LEDGER_ID,
      createdAt: new Date().toISOString(),
      envelopeVersion: 1,
    });
    await rolledBack.append(original.slice(0, 7), null);
    const other = await openLedger({ store: rolledBack, ledgerId: LEDGER_ID });
    await other.appendBatch(
      Array.from({ length: 5 }, (_, i) => sampleInput(100 + i, `contact-${i % 3}`)),
    );
    expect(await other.verify()).toMatchObject({ ok: true, count: 12, headSeq: 11 });
    expect(await other.verify({ expectHead: held })).toMatchObject({
      ok: false,
      failure: { seq: 11, kind: "head-mismatch" },
    });
    // The genuine ledger passes the same check.
    expect(await ledger.verify({ expectHead: held })).toMatchObject({ ok: true });
  });

  it("two ledgers with the same id and different histories: each fails the other's head", async () => {
    const a = await history(8, 10);
    const b = await history(8, 20);
    expect(a.genesis).toBe(b.genesis);
    const headA = { seq: 7, hash: (a.events[7] as StoredEvent).hash };
    const headB = { seq: 7, hash: (b.events[7] as StoredEvent).hash };
    expect(await failureOf(b.events, b.genesis, { expectHead: headA })).toEqual({
      seq: 7,
      kind: "head-mismatch",
    });
    expect(await failureOf(a.events, a.genesis, { expectHead: headB })).toEqual({
      seq: 7,
      kind: "head-mismatch",
    });
    // A head held at an earlier seq is checked at that seq, not at the tip.
    const earlierA = { seq: 3, hash: (a.events[3] as StoredEvent).hash };
    expect(await failureOf(a.events, a.genesis, { expectHead: earlierA })).toBeUndefined();
    expect(await failureOf(b.events, b.genesis, { expectHead: earlierA })).toEqual({
      seq: 3,
      kind: "head-mismatch",
    });
  });

  it("any held hash other than the stored one fails, including all zeros (property)", async () => {
    const { events, genesis } = await history(10, 5);
    await fc.assert(
      fc.asyncProperty(
        fc.nat({ max: 9 }),
        fc.stringMatching(/^[0-9a-f]{64}$/),
        async (seq, hash) => {
          fc.pre(hash !== (events[seq] as StoredEvent).hash);
          expect(await failureOf(events, genesis, { expectHead: { seq, hash } })).toEqual({
            seq,
            kind: "head-mismatch",
          });
        },
      ),
      { numRuns: 50 },
    );
    expect(
      await failureOf(events, genesis, { expectHead: { seq: 9, hash: "0".repeat(64) } }),
    ).toEqual({ seq: 9, kind: "head-mismatch" });
  });

  it("refuses a malformed held head before reading anything", async () => {
    const { events, genesis } = await history(4, 6);
    const good = (events[3] as StoredEvent).hash;
    for (const bad of [
      { seq: 3, hash: "xyz" },
      { seq: 3, hash: good.toUpperCase() },
      { seq: 3, hash: `${good}00` },
      { seq: -1, hash: good },
      { seq: 1.5, hash: good },
      { seq: Number.NaN, hash: good },
      { seq: "3" as unknown as number, hash: good },
    ]) {
      await expect(verify(events, genesis, { expectHead: bad })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
  });

  it("a broken per-subject back-link → subject-link-broken", async () => {
    const { events, genesis } = await history(10, 4);
    const k = events.findLastIndex(
      (e, i) =>
        i < 9 &&
        JSON.parse(e.body).subjects?.some((s: { prevSeq?: number }) => s.prevSeq !== undefined),
    );
    // Re-seal every event from k on, so the chain is intact but the subject link is not.
    let prev = k === 0 ? genesis : (events[k - 1] as StoredEvent).hash;
    const tampered = events.map((e, i) => {
      if (i < k) return e;
      const r = rewritten(e, (b) => {
        b.prevHash = prev;
        if (i === k) for (const s of b.subjects as { prevSeq?: number }[]) delete s.prevSeq;
      });
      prev = r.hash;
      return r;
    });
    expect(await failureOf(tampered, genesis)).toEqual({ seq: k, kind: "subject-link-broken" });
  });
});
