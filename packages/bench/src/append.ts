import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import {
  type EventInput,
  memoryStore,
  openLedger,
  type Store,
  type StoredEvent,
} from "@daicho/core";
import { sampleInputs } from "@daicho/core/testing";
import { getSQLiteEventStore } from "@event-driven-io/emmett-sqlite";
import Database from "better-sqlite3";
import { Report } from "./report";
import type { Section } from "./sections";
import { insertRow } from "./sqlite";

/**
 * `pnpm bench append` (issue 16 items 1–2): `appendBatch(1000)` with the append pool at
 * each worker count, in CPU time of the main thread alone (Linux schedstat of the thread
 * whose id is the process id), CPU time of the whole process, and wall time; on a memory
 * store (the ledger's own cost) and on SQLite beside a raw insert of the same sealed rows
 * with the same indexes and pragmas, and beside Emmett SQLite appending the same events.
 * Every configuration runs once per round, the order rotating between rounds; medians.
 *
 * Knobs: BENCH_APPEND_EVENTS (default 10000), BENCH_APPEND_ROUNDS (3),
 * BENCH_APPEND_WORKERS (comma-separated worker counts, default 0,1,2,4),
 * BENCH_APPEND_INFLIGHT (concurrent appendBatch callers, default 1), BENCH_APPEND_ENVELOPES
 * (envelope versions, default 1,2: the pool seals both). Worker CPU is process CPU minus
 * main-thread CPU, reported on its own row.
 */
export const appendSection: Section = {
  name: "append",
  async run() {
    const report = new Report("append");
    const events = Number(process.env.BENCH_APPEND_EVENTS ?? 10_000);
    const rounds = Number(process.env.BENCH_APPEND_ROUNDS ?? 3);
    const workers = (process.env.BENCH_APPEND_WORKERS ?? "0,1,2,4").split(",").map(Number);
    const envelopes = (process.env.BENCH_APPEND_ENVELOPES ?? "1,2")
      .split(",")
      .map((v) => (v === "2" ? 2 : 1) as 1 | 2);
    const dir = mkdtempSync(join(tmpdir(), "daicho-bench-append-"));
    try {
      const inputs = sampleInputs(events);
      const rows = await sealedRows(inputs);
      const runs: Run[] = [
        ...envelopes.flatMap((v) => workers.map((w) => memoryRun(w, v, inputs))),
        {
          name: "raw insert, same indexes (SQLite)",
          once: (k) => rawInsert(join(dir, `raw-${k}.db`), rows),
        },
        ...envelopes.flatMap((v) => workers.map((w) => sqliteRun(w, v, inputs, dir))),
        {
          name: "emmett-sqlite appendToStream",
          once: (k) => emmett(join(dir, `emmett-${k}.db`), inputs),
        },
      ];
      const results = new Map<string, Measure[]>();
      for (let r = 0; r < rounds; r++) {
        const order = runs.map((_, i) => runs[(i + r) % runs.length] as Run);
        for (const run of order) {
          const m = await measure(() => run.once(`${r}`));
          results.set(run.name, [...(results.get(run.name) ?? []), m]);
        }
      }
      const med = (name: string) => medianMeasure(results.get(name) ?? []);
      const raw = med("raw insert, same indexes (SQLite)");
      const em = med("emmett-sqlite appendToStream");
      const perEvent = (m: Measure) => ({
        main: (m.mainMs * 1000) / events,
        proc: (m.procMs * 1000) / events,
        rate: (events / m.wallMs) * 1000,
      });
      for (const run of runs) {
        const p = perEvent(med(run.name));
        report.add({ name: `${run.name}: main-thread CPU`, value: p.main, unit: "µs/event" });
        report.add({ name: `${run.name}: process CPU`, value: p.proc, unit: "µs/event" });
        report.add({
          name: `${run.name}: worker CPU (process − main)`,
          value: p.proc - p.main,
          unit: "µs/event",
        });
        report.add({ name: `${run.name}: wall`, value: p.rate, unit: "events/s" });
        if (run.name.startsWith("daicho sqlite")) {
          const r = perEvent(raw);
          const e = perEvent(em);
          report.add({ name: `${run.name}: vs raw (wall)`, value: p.rate / r.rate, unit: "×" });
          report.add({
            name: `${run.name}: vs raw (process CPU)`,
            value: r.proc / p.proc,
            unit: "×",
          });
          report.add({ name: `${run.name}: vs emmett (wall)`, value: p.rate / e.rate, unit: "×" });
          report.add({
            name: `${run.name}: vs emmett (process CPU)`,
            value: e.proc / p.proc,
            unit: "×",
          });
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};

const BATCH = 1000;

interface Run {
  readonly name: string;
  once(key: string): Promise<() => Promise<void>>;
}

interface Measure {
  readonly mainMs: number;
  readonly procMs: number;
  readonly wallMs: number;
}

/** CPU time this process's main thread has run, in ms (Linux; NaN elsewhere). */
function mainThreadMs(): number {
  try {
    const line = readFileSync(`/proc/self/task/${process.pid}/schedstat`, "utf8");
    return Number(line.split(" ")[0]) / 1e6;
  } catch {
    return Number.NaN;
  }
}

/** Set up (not measured), then measure the returned body. */
async function measure(setup: () => Promise<() => Promise<void>>): Promise<Measure> {
  const body = await setup();
  (globalThis as { gc?: () => void }).gc?.();
  const main0 = mainThreadMs();
  const cpu0 = process.cpuUsage();
  const wall0 = process.hrtime.bigint();
  await body();
  const wallMs = Number(process.hrtime.bigint() - wall0) / 1e6;
  const cpu = process.cpuUsage(cpu0);
  return { mainMs: mainThreadMs() - main0, procMs: (cpu.user + cpu.system) / 1000, wallMs };
}

function medianMeasure(ms: Measure[]): Measure {
  const mid = <K extends keyof Measure>(k: K) =>
    [...ms.map((m) => m[k])].sort((a, b) => a - b)[Math.floor(ms.length / 2)] as number;
  return { mainMs: mid("mainMs"), procMs: mid("procMs"), wallMs: mid("wallMs") };
}

/** Batches each caller keeps in flight (BENCH_APPEND_INFLIGHT, default 1: one after another). */
const INFLIGHT = Number(process.env.BENCH_APPEND_INFLIGHT ?? 1);

async function appendAll(store: Store, workers: number, envelope: 1 | 2, inputs: EventInput[]) {
  const ledger = await openLedger({ store, ledgerId: "bench.example/append", workers, envelope });
  // Warm-up outside the measurement: starts the threads and the store's statements.
  await ledger.appendBatch(sampleInputs(BATCH, inputs.length));
  return async () => {
    // INFLIGHT callers, each appending its share of batches one after another; with more
    // than one, the pool decodes a batch while the previous one is being written.
    let next = 0;
    const caller = async () => {
      for (let i = next; i < inputs.length; i = next) {
        next += BATCH;
        await ledger.appendBatch(inputs.slice(i, i + BATCH));
      }
    };
    await Promise.all(Array.from({ length: INFLIGHT }, caller));
    await ledger.close();
  };
}

function memoryRun(workers: number, envelope: 1 | 2, inputs: EventInput[]): Run {
  return {
    name: `daicho memory store, v${envelope}, ${workers} worker(s)`,
    once: () => appendAll(memoryStore(), workers, envelope, inputs),
  };
}

function sqliteRun(workers: number, envelope: 1 | 2, inputs: EventInput[], dir: string): Run {
  return {
    name: `daicho sqlite, v${envelope}, ${workers} worker(s)`,
    once: (k) =>
      appendAll(
        sqliteStore(join(dir, `ours-v${envelope}-${workers}-${k}.db`)),
        workers,
        envelope,
        inputs,
      ),
  };
}

async function sealedRows(inputs: EventInput[]): Promise<StoredEvent[]> {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId: "bench.example/append", workers: 0 });
  for (let i = 0; i < inputs.length; i += BATCH)
    await ledger.appendBatch(inputs.slice(i, i + BATCH));
  const out: StoredEvent[] = [];
  for await (const e of store.read()) out.push(e);
  return out;
}

/**
 * The same sealed rows into the SQLite store's own tables and indexes (unique event id,
 * the subject index with one row per subject, the index by type), WAL, synchronous=FULL,
 * one transaction per 1000: the durable work of `appendBatch` without the ledger.
 */
async function rawInsert(path: string, rows: StoredEvent[]) {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(`CREATE TABLE events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, type TEXT NOT NULL,
      recorded_at TEXT NOT NULL, subjects TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL,
      body TEXT NOT NULL) STRICT;
    CREATE TABLE event_subjects (subject TEXT NOT NULL, seq INTEGER NOT NULL,
      PRIMARY KEY (subject, seq)) STRICT, WITHOUT ROWID;
    CREATE INDEX events_by_type ON events (type, seq);`);
  const insert = db.prepare("INSERT INTO events VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  const subject = db.prepare("INSERT INTO event_subjects VALUES (?, ?)");
  const many = db.transaction((slice: StoredEvent[]) => {
    for (const r of slice) {
      insertRow(insert, r);
      for (const s of r.subjects) subject.run(s, r.seq);
    }
  });
  return async () => {
    for (let i = 0; i < rows.length; i += BATCH) many(rows.slice(i, i + BATCH));
    db.close();
  };
}

/** Emmett SQLite (no hashes, no chain): the same events, 1000 per `appendToStream`, one stream. */
async function emmett(path: string, inputs: EventInput[]) {
  const store = getSQLiteEventStore({
    fileName: path,
    schema: { autoMigration: "CreateOrUpdate" },
  });
  const events = inputs.map((i) => ({ type: i.type, data: { ...i } as Record<string, unknown> }));
  await store.appendToStream("warmup", events.slice(0, 1));
  return async () => {
    for (let i = 0; i < events.length; i += BATCH)
      await store.appendToStream("ledger", events.slice(i, i + BATCH));
  };
}
