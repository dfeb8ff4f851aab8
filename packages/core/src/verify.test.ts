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
