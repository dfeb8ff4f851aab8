import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { StoredEvent } from "./events/envelope";
import { genesisHash } from "./hash";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import { sampleInput } from "./testing/fixtures";
import { overrideStore } from "./testing/override-store";
import { verifyStore } from "./verify-store";

const LEDGER = "verify-parallel.test/l";
const genesis = genesisHash(LEDGER);

type Tamper =
  | { kind: "body" | "hash" | "type" | "delete" | "swap" | "repeat" | "garbage"; at: number }
  | { kind: "none" };

/** The stored sequence as `read` returns it after one edit of the kind drawn. */
function tampered(events: StoredEvent[], t: Tamper): StoredEvent[] {
  if (t.kind === "none") return events;
  const out = [...events];
  const i = t.at % out.length;
  const e = out[i] as StoredEvent;
  switch (t.kind) {
    case "body":
      out[i] = { ...e, body: e.body.replace("contact", "kontact") };
      break;
    case "hash":
      out[i] = { ...e, hash: `${e.hash.slice(0, 63)}${e.hash.endsWith("0") ? "1" : "0"}` };
      break;
    case "type":
      out[i] = { ...e, type: "erasure.requested" };
      break;
    case "garbage":
      out[i] = { ...e, body: "{not json" };
      break;
    case "delete":
      out.splice(i, 1);
      break;
    case "swap":
      if (i + 1 < out.length) [out[i], out[i + 1]] = [out[i + 1] as StoredEvent, e];
      break;
    case "repeat":
      out.splice(i, 0, e);
      break;
  }
  return out;
}

async function ledgerOf(n: number) {
  const inner = memoryStore();
  const ledger = await openLedger({ store: inner, ledgerId: LEDGER });
  for (let i = 0; i < n; i += 1000)
    await ledger.appendBatch(
      Array.from({ length: Math.min(1000, n - i) }, (_, k) => sampleInput(i + k)),
    );
  const events: StoredEvent[] = [];
  for await (const e of inner.read()) events.push(e);
  return { inner, events };
}

describe("verify in worker threads", () => {
  it("reports exactly what the sequential verifier reports, on random tampered ledgers (property)", async () => {
    const { inner, events } = await ledgerOf(2600); // three pages of 1000 for the workers
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.constant<Tamper>({ kind: "none" }),
          fc.record({
            kind: fc.constantFrom(
              "body",
              "hash",
              "type",
              "delete",
              "swap",
              "repeat",
              "garbage",
            ) as fc.Arbitrary<Exclude<Tamper["kind"], "none">>,
            at: fc.nat(),
          }),
        ),
        fc.constantFrom(2, 3),
        async (t, workers) => {
          const shown = tampered(events, t);
          const store = overrideStore(inner, {
            async *read(range) {
              const from = range?.from ?? 0;
              const to = range?.to ?? Number.MAX_SAFE_INTEGER;
              let k = 0;
              for (const e of shown) if (k++ >= from && k <= to) yield e;
            },
          });
          const sequential = await verifyStore(store, genesis);
          const parallel = await verifyStore(store, genesis, { workers });
          expect(parallel).toEqual(sequential);
          if (t.kind === "none") expect(parallel.ok).toBe(true);
        },
      ),
      { numRuns: 10 },
    );
  }, 240_000);

  it("refuses a worker count that is not an integer from 1 to 64", async () => {
    const { inner } = await ledgerOf(3);
    for (const workers of [0, -1, 1.5, 65, Number.NaN]) {
      await expect(verifyStore(inner, genesis, { workers })).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
      });
    }
    expect((await verifyStore(inner, genesis, { workers: 2 })).ok).toBe(true);
  }, 60_000);
});
