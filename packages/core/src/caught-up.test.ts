import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { awaitHead } from "./caught-up";
import { isDaichoError } from "./errors";
import type { StoredEvent } from "./events/envelope";
import type { Ledger } from "./ledger";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import { sampleInput } from "./testing/fixtures";

const LEDGER_ID = "acme.example/crm";

async function ledgerOf(n: number) {
  const ledger = await openLedger({ store: memoryStore(), ledgerId: LEDGER_ID });
  if (n > 0) await ledger.appendBatch(Array.from({ length: n }, (_, i) => sampleInput(i)));
  return ledger;
}

async function storedOf(ledger: Ledger): Promise<StoredEvent[]> {
  const events: StoredEvent[] = [];
  for await (const e of ledger.store.read()) events.push(e);
  return events;
}

/** A replica: a store holding the first `k` of `primary`'s stored events, byte for byte. */
async function replicaOf(primary: Ledger, k: number) {
  const store = memoryStore();
  await store.append((await storedOf(primary)).slice(0, k), null);
  return openLedger({ store, ledgerId: LEDGER_ID });
}

async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error("expected a rejection");
}

describe("awaitHead: a store behind a held head is 'not caught up', never 'verified'", () => {
  it("resolves at once when the store already holds the held head", async () => {
    const ledger = await ledgerOf(5);
    const head = await ledger.head();
    if (head === null) throw new Error("empty");
    await expect(awaitHead(ledger, head)).resolves.toEqual(head);
  });

  it("rejects a store that is behind with NOT_CAUGHT_UP (retryable), after waiting", async () => {
    const primary = await ledgerOf(8);
    const replica = await replicaOf(primary, 5);
    const held = await primary.head();
    if (held === null) throw new Error("empty");
    const started = Date.now();
    const e = await failure(awaitHead(replica, held, { waitMs: 120, pollMs: 20 }));
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(isDaichoError(e, "NOT_CAUGHT_UP"), String(e)).toBe(true);
    expect((e as { retryable: boolean }).retryable).toBe(true);
    expect((e as Error).message).toContain("holds 5 events, fewer than the 8");
    // The same store checked without waiting is `truncated`: the distinction awaitHead adds.
    const report = await replica.verify({ expectHead: held });
    expect(report.ok).toBe(false);
    if (!report.ok) expect(report.failure.kind).toBe("truncated");
  });

  it("resolves once the store catches up while it waits", async () => {
    const source = await ledgerOf(6);
    const replica = await replicaOf(source, 3);
    const held = await source.head();
    if (held === null) throw new Error("empty");
    const rest = (await storedOf(source)).slice(3);
    const at = await replica.head();
    setTimeout(() => {
      void replica.store.append(rest, at);
    }, 30);
    const head = await awaitHead(replica, held, { waitMs: 5_000, pollMs: 10 });
    expect(head).toEqual(held);
    expect((await replica.verify({ expectHead: held })).ok).toBe(true);
  });

  it("awaits only the length: a forked store still fails verify as head-mismatch", async () => {
    const primary = await ledgerOf(6);
    const fork = await replicaOf(primary, 5);
    await fork.appendBatch([sampleInput(100)]);
    const held = await primary.head();
    if (held === null) throw new Error("empty");
    await expect(awaitHead(fork, held)).resolves.toMatchObject({ seq: 5 });
    const report = await fork.verify({ expectHead: held });
    expect(report.ok).toBe(false);
    if (!report.ok) expect(report.failure.kind).toBe("head-mismatch");
  });

  it("refuses malformed held heads and waits with a typed error, reading nothing", async () => {
    let reads = 0;
    const source = {
      head: async () => {
        reads++;
        return null;
      },
    };
    await fc.assert(
      fc.asyncProperty(
        fc.record({
          seq: fc.oneof(fc.integer({ max: -1 }), fc.double(), fc.constant(2 ** 53)),
          hash: fc.oneof(fc.string(), fc.constant("A".repeat(64))),
          waitMs: fc.oneof(fc.constant(undefined), fc.integer({ max: -1 }), fc.double()),
        }),
        async ({ seq, hash, waitMs }) => {
          const e = await failure(
            awaitHead(source, { seq, hash }, waitMs === undefined ? {} : { waitMs }),
          );
          expect(isDaichoError(e, "INVALID_ARGUMENT"), String(e)).toBe(true);
        },
      ),
      { numRuns: 100 },
    );
    const e = await failure(awaitHead(source, { seq: 1, hash: "a".repeat(64) }, { waitMs: 1.5 }));
    expect(isDaichoError(e, "INVALID_ARGUMENT")).toBe(true);
    expect(reads).toBe(0);
  });
});
