import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import type { AppendPool } from "./append-pool";
import { DaichoError, isDaichoError } from "./errors";
import type { StoredEvent } from "./events/envelope";
import type { EventInput } from "./events/input";
import { memoryKeyStore } from "./keys/memory";
import { type Ledger, openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import { sampleInput } from "./testing/fixtures";
import { overrideStore } from "./testing/override-store";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(7) };
const clock = () => new Date("2026-12-02T05:00:00.000Z");
const opened: Ledger[] = [];

/** A ledger whose batches of `threshold` or more go to `workers` threads (0: none). */
async function ledger(workers: number, name = "pool.test/l", threshold = 1): Promise<Ledger> {
  const l = await openLedger({
    store: memoryStore(),
    ledgerId: name,
    clock,
    workers,
    workerThreshold: threshold,
    keys: { store: memoryKeyStore(), kek },
  });
  opened.push(l);
  return l;
}

const poolOf = (l: Ledger): AppendPool => (l as unknown as { pool: AppendPool }).pool;

async function stored(l: Ledger): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of l.store.read()) out.push(e);
  return out;
}

/** The error a call rejects with, as data, so two paths' errors can be compared. */
async function failure(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    if (!(e instanceof DaichoError)) return { untyped: String(e) };
    return { code: e.code, path: e.path, reason: e.reason, details: e.details };
  }
  return "appended";
}

afterAll(async () => {
  for (const l of opened) await l.close();
});

const note = fc
  .array(fc.constantFrom("山田花子様", "𠮷野家", "🙇‍♀️", "ｶﾅ", '"', "\\", "\u2028", "é", " "), {
    minLength: 1,
    maxLength: 60,
  })
  .map((xs) => `メモ${xs.join("")}`);

/** Batches of valid inputs with fixed ids (so both ledgers seal the same bytes). */
const batch = fc.array(
  fc.tuple(fc.nat(), fc.option(note, { nil: undefined }), fc.uuid({ version: 7 })),
  { minLength: 1, maxLength: 80 },
);

function input([n, query, id]: [number, string | undefined, string]): EventInput {
  const base = sampleInput(n) as EventInput & { payload: Record<string, unknown> };
  if (base.type !== "data.exported" || query === undefined) return { ...base, id } as EventInput;
  return { ...base, id, payload: { ...base.payload, query } } as EventInput;
}

describe("the append pool", () => {
  it("appends the very bytes the calling thread would, batch after batch (property)", async () => {
    const pooled = await ledger(2);
    const single = await ledger(0);
    await fc.assert(
      fc.asyncProperty(batch, async (b) => {
        const inputs = b.map(input);
        const [a, s] = [await pooled.appendBatch(inputs), await single.appendBatch(inputs)];
        expect(JSON.stringify(a)).toBe(JSON.stringify(s));
      }),
      { numRuns: 40 },
    );
    expect(poolOf(pooled).workers.length).toBeGreaterThan(0); // the batches did go to the threads
    const [a, s] = [await stored(pooled), await stored(single)];
    expect(a.length).toBeGreaterThan(40);
    expect(a).toStrictEqual(s);
    expect((await pooled.verify()).ok).toBe(true);
  }, 120_000);

  it("seals personal values from pooled batches and opens them again", async () => {
    const l = await ledger(2, "pool.test/personal");
    const inputs = Array.from({ length: 100 }, (_, i) => ({
      type: "record.updated",
      actor: { id: "agent-1" },
      subjects: [`contact-${i}`],
      payload: { resource: { type: "contact", id: `contact-${i}` }, fields: ["name"] },
      personal: [{ subject: `contact-${i}`, field: "name", value: `山田花子${i}🙇` }],
    })) as EventInput[];
    const events = await l.appendBatch(inputs);
    expect(poolOf(l).workers.length).toBe(2);
    const bodies = (await stored(l)).map((e) => e.body).join("\n");
    expect(bodies.includes("山田花子")).toBe(false);
    expect((await l.openPersonal(events[57] as never))[0]?.value).toBe("山田花子57🙇");
    expect((await l.verify()).ok).toBe(true);
  }, 60_000);

  it("pools an envelope version 2 ledger: same bodies but for the fresh salts, verified, values open", async () => {
    const v2 = async (workers: number, name: string) => {
      const l = await openLedger({
        store: memoryStore(),
        ledgerId: name,
        clock,
        workers,
        workerThreshold: 1,
        envelope: 2,
        keys: { store: memoryKeyStore(), kek },
      });
      opened.push(l);
      return l;
    };
    const pooled = await v2(2, "pool.test/v2");
    const single = await v2(0, "pool.test/v2");
    const inputs = Array.from({ length: 120 }, (_, i) => ({
      type: "record.updated",
      id: `0193a4c2-8f1e-7abc-9def-${String(i).padStart(12, "0")}`,
      actor: { id: "agent-1" },
      subjects: [`contact-${i % 7}`, `contact-${(i + 3) % 7}`],
      payload: { resource: { type: "contact", id: `contact-${i % 7}` }, fields: ["name"] },
      personal: [{ subject: `contact-${(i + 3) % 7}`, field: "name", value: `山田${i}` }],
    })) as EventInput[];
    const events = await pooled.appendBatch(inputs);
    await single.appendBatch(inputs);
    expect(poolOf(pooled).workers.length).toBe(2);
    expect((await pooled.verify()).ok).toBe(true);
    expect((await pooled.openPersonal(events[44] as never))[0]?.value).toBe("山田44");
    const [a, s] = [await stored(pooled), await stored(single)];
    // Salts are fresh per (event, subject), so bodies agree once salts and links are masked.
    const mask = (b: string) =>
      b
        .replace(/"salt":"[0-9a-f]{64}"/g, '"salt":"…"')
        .replace(/"(prevHash|nonce|ct|keyId)":"[^"]*"/g, '"$1":"…"');
    expect(a.map((e) => mask(e.body))).toStrictEqual(s.map((e) => mask(e.body)));
    expect(a.every((e) => e.body.endsWith(',"v":2}'))).toBe(true);
    const salts = a.flatMap((e) =>
      [...e.body.matchAll(/"salt":"([0-9a-f]{64})"/g)].map((m) => m[1]),
    );
    expect(new Set(salts).size).toBe(salts.length); // never reused
    expect(salts.length).toBe(240);
  }, 60_000);

  it("refuses a hostile batch with the calling thread's typed error and appends none of it", async () => {
    const pooled = await ledger(2, "pool.test/bad");
    const single = await ledger(0, "pool.test/bad");
    const good = Array.from({ length: 300 }, (_, i) => sampleInput(i));
    const hostile: unknown[][] = [
      good.map((g, i) => (i === 250 ? { ...g, payload: { ...g.payload, bogus: 1 } } : g)),
      good.map((g, i) => (i === 299 ? { ...g, type: "no.such" } : g)),
      good.map((g, i) => (i === 7 ? { ...g, actor: { id: "a", role: "\ud800" } } : g)),
      good.map((g, i) => (i === 40 ? { ...g, payload: { ...g.payload, f: () => 1 } } : g)),
      good.map((g, i) => (i === 41 ? { ...g, subjects: [Symbol("x")] } : g)),
      good.map((g, i) =>
        i === 3 ? { ...g, personal: [{ subject: "nobody", field: "name", value: "x" }] } : g,
      ),
      good.map((g, i) => (i === 100 ? { ...g, id: "090-1234-5678" } : g)),
    ];
    for (const inputs of hostile) {
      const want = await failure(single.appendBatch(inputs as EventInput[]));
      expect(want).not.toBe("appended");
      expect(await failure(pooled.appendBatch(inputs as EventInput[]))).toStrictEqual(want);
    }
    expect(await pooled.head()).toBeNull();
    expect(await single.head()).toBeNull();
  }, 60_000);

  it("appends an input it cannot send to a thread (a Proxy) on the calling thread", async () => {
    const l = await ledger(2, "pool.test/proxy");
    const inputs = Array.from({ length: 300 }, (_, i) =>
      i === 42 ? new Proxy(sampleInput(i), {}) : sampleInput(i),
    );
    expect((await l.appendBatch(inputs)).length).toBe(300);
    expect((await l.verify()).ok).toBe(true);
  }, 60_000);

  it("fails the batch with WORKER_FAILED when a worker is killed, appends none of it, and recovers", async () => {
    const l = await ledger(2, "pool.test/kill");
    await l.appendBatch(Array.from({ length: 64 }, (_, i) => sampleInput(i)));
    const before = await l.head();
    const pending = l.appendBatch(Array.from({ length: 5000 }, (_, i) => sampleInput(i)));
    const [victim] = poolOf(l).workers;
    await victim?.terminate();
    const e = await pending.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(isDaichoError(e, "WORKER_FAILED")).toBe(true);
    expect((e as DaichoError).retryable).toBe(true);
    expect(await l.head()).toStrictEqual(before);
    const again = await l.appendBatch(Array.from({ length: 300 }, (_, i) => sampleInput(i)));
    expect(again.length).toBe(300);
    expect(poolOf(l).workers).not.toContain(victim); // replaced
    const report = await l.verify();
    expect(report.ok && report.count).toBe(364);
  }, 60_000);

  it("close() terminates the worker threads", async () => {
    const l = await ledger(2, "pool.test/close");
    await l.appendBatch(Array.from({ length: 100 }, (_, i) => sampleInput(i)));
    const threads = poolOf(l).workers;
    expect(threads.length).toBe(2);
    const exits = threads.map((w) => new Promise((resolve) => w.once("exit", resolve)));
    await l.close();
    await Promise.all(exits);
    expect(threads.every((w) => w.threadId === -1)).toBe(true);
  }, 60_000);

  it("decodes a group commit of single appends on the pool, one bad caller failing alone", async () => {
    // A store whose writes take 30 ms, so appends pile up behind the one in flight.
    const slow = () => {
      const inner = memoryStore();
      return overrideStore(inner, {
        append: async (events, expected) => {
          await new Promise((r) => setTimeout(r, 30));
          return inner.append(events, expected);
        },
      });
    };
    const open = (workers: number) =>
      openLedger({ store: slow(), ledgerId: "pool.test/group", clock, workers });
    const [pooled, single] = [await open(2), await open(0)];
    opened.push(pooled, single);
    const inputs = Array.from({ length: 400 }, (_, i) => ({
      ...sampleInput(i),
      id: `0193a4c2-8f1e-7abc-9def-${String(i).padStart(12, "0")}`,
    })) as EventInput[];
    const bad = { ...inputs[123], payload: { bogus: true } } as unknown as EventInput;
    const run = async (l: Ledger) => {
      const first = l.append(inputs[0] as EventInput);
      await new Promise((r) => setTimeout(r, 5)); // the first write is in flight
      const rest = inputs.slice(1).map((x, i) => l.append(i + 1 === 123 ? bad : x));
      return Promise.all([first, ...rest].map((p) => failure(p)));
    };
    const [a, b] = [await run(pooled), await run(single)];
    expect(a).toStrictEqual(b);
    expect((a[123] as { code: string }).code).toBe("DECODE_ERROR");
    expect(poolOf(pooled).workers.length).toBeGreaterThan(0); // the group went to the pool
    expect(await stored(pooled)).toStrictEqual(await stored(single));
    expect((await pooled.verify()).count).toBe(399);
  }, 60_000);

  it("keeps batches below the threshold on the calling thread", async () => {
    const l = await openLedger({ store: memoryStore(), ledgerId: "pool.test/small", workers: 2 });
    opened.push(l);
    await l.appendBatch(Array.from({ length: 255 }, (_, i) => sampleInput(i)));
    expect(poolOf(l).workers.length).toBe(0);
  });

  it("refuses a workers option that is not a count", async () => {
    for (const workers of [-1, 1.5, 65, Number.NaN]) {
      await expect(
        openLedger({ store: memoryStore(), ledgerId: "pool.test/opt", workers }),
      ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", path: "workers" });
    }
    await expect(
      openLedger({ store: memoryStore(), ledgerId: "pool.test/opt", workerThreshold: 0 }),
    ).rejects.toMatchObject({ code: "INVALID_ARGUMENT", path: "workerThreshold" });
  });
});
