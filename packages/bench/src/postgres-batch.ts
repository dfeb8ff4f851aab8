import { postgresDatabase } from "@daicho/adapters/postgres";
import { startPgCluster } from "@daicho/adapters/postgres/harness";
import { type EventInput, openLedger, type StoredEvent } from "@daicho/core";
import { sampleInputs } from "@daicho/core/testing";
import { getPostgreSQLEventStore } from "@event-driven-io/emmett-postgresql";
import pg from "pg";
import { emmettEvent, sealedRows } from "./postgres";
import { Report } from "./report";
import type { Section } from "./sections";

/**
 * `pnpm bench pg-batch`: PostgreSQL `appendBatch(1000)` (issue 16 item 3) beside its
 * baselines, interleaved round by round in one process on one durable cluster:
 * - raw `unnest` into tables with **the same indexes** as ours (events keyed by
 *   (ledger_key, seq), unique (ledger_key, id), by (ledger_key, type, seq), and the subject
 *   index table), one transaction per batch;
 * - Emmett's `appendToStream` with the same events;
 * - our `appendBatch` through `openLedger`, and the store alone given pre-sealed rows, by
 *   `COPY` (the default for batches ≥ 64) and by the `append_events` function.
 * Each round runs every contender on `BENCH_PG_BATCHES` (default 10) batches; medians of
 * `BENCH_PG_ROUNDS` (default 3) rounds. Wall time (the store waits on fsync) plus this
 * process's CPU per event for ours.
 */
export const postgresBatchSection: Section = {
  name: "pg-batch",
  async run() {
    const report = new Report("pg-batch");
    const cluster = await startPgCluster({ durable: true, tcp: true, privateCluster: true });
    try {
      await runBatches(report, cluster.url);
    } finally {
      cluster.destroy();
    }
    return report;
  },
};

const BATCH = 1000;

const RAW_SCHEMA = `
CREATE TABLE raw_events (
  ledger_key bigint NOT NULL, seq bigint NOT NULL, id text NOT NULL, type text NOT NULL,
  recorded_at text NOT NULL, subjects text[] NOT NULL, prev_hash text NOT NULL,
  hash text NOT NULL, body text NOT NULL,
  PRIMARY KEY (ledger_key, seq), UNIQUE (ledger_key, id));
CREATE INDEX raw_events_by_type ON raw_events (ledger_key, type, seq);
CREATE TABLE raw_subjects (ledger_key bigint NOT NULL, subject text NOT NULL, seq bigint NOT NULL,
  PRIMARY KEY (ledger_key, subject, seq));`;

const RAW_INSERT = `WITH e AS (
  INSERT INTO raw_events SELECT $1, u.seq, u.id, u.type, u.recorded_at, string_to_array(u.subjects, ' '), u.prev_hash, u.hash, u.body
  FROM unnest($2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::text[])
    AS u(seq, id, type, recorded_at, subjects, prev_hash, hash, body) RETURNING seq, subjects)
INSERT INTO raw_subjects SELECT $1, s.subject, e.seq FROM e CROSS JOIN LATERAL unnest(e.subjects) AS s(subject)`;

interface Contender {
  readonly name: string;
  /** Append batch `b` of this round; returns when it is durable. */
  readonly batch: (b: number) => Promise<unknown>;
  readonly wall: number[];
  readonly cpu: number[];
}

async function runBatches(report: Report, url: string): Promise<void> {
  const batches = Number(process.env.BENCH_PG_BATCHES ?? 10);
  const rounds = Number(process.env.BENCH_PG_ROUNDS ?? 3);
  const total = batches * rounds;
  const inputs = sampleInputs(BATCH * total);
  const rows = await sealedRows(BATCH * total);
  const raw = new pg.Pool({ connectionString: url, max: 4 });
  await raw.query(RAW_SCHEMA);
  const emmett = getPostgreSQLEventStore(url);
  await emmett.appendToStream("warmup", [emmettEvent(inputs[0] as EventInput)]);
  const db = postgresDatabase({ connectionString: url, maxConnections: 4, migrate: true });
  const ledger = await openLedger({ store: db.store("ours"), ledgerId: "bench.example/pg" });
  const meta = {
    ledgerId: "bench.example/raw",
    createdAt: "2026-12-02T00:00:00Z",
    envelopeVersion: 1,
  };
  const before = await openLedger({
    store: db.store("ours-function", { copyThreshold: Number.MAX_SAFE_INTEGER }),
    ledgerId: "bench.example/pg",
  });
  const viaCopy = db.store("store-copy");
  const viaFunction = db.store("store-function", { copyThreshold: Number.MAX_SAFE_INTEGER });
  await viaCopy.init(meta);
  await viaFunction.init(meta);
  const slice = (b: number) => rows.slice(b * BATCH, (b + 1) * BATCH);
  const expected = (b: number) => {
    const prev = rows[b * BATCH - 1];
    return prev === undefined ? null : { seq: prev.seq, hash: prev.hash };
  };
  const list: Omit<Contender, "wall" | "cpu">[] = [
    {
      name: "raw unnest, same indexes",
      batch: (b) => raw.query(RAW_INSERT, rawValues(slice(b))),
    },
    {
      name: "emmett appendToStream",
      batch: (b) =>
        emmett.appendToStream("ledger", inputs.slice(b * BATCH, (b + 1) * BATCH).map(emmettEvent)),
    },
    {
      name: "daicho appendBatch",
      batch: (b) => ledger.appendBatch(inputs.slice(b * BATCH, (b + 1) * BATCH)),
    },
    {
      name: "daicho appendBatch, append_events path (before COPY)",
      batch: (b) => before.appendBatch(inputs.slice(b * BATCH, (b + 1) * BATCH)),
    },
    { name: "daicho store alone, COPY", batch: (b) => viaCopy.append(slice(b), expected(b)) },
    {
      name: "daicho store alone, append_events",
      batch: (b) => viaFunction.append(slice(b), expected(b)),
    },
  ];
  const contenders: Contender[] = list.map((c) => ({ ...c, wall: [], cpu: [] }));
  let next = 0;
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? contenders : [...contenders].reverse();
    const first = next;
    for (const c of order) {
      const start = process.hrtime.bigint();
      const cpu = process.cpuUsage();
      for (let b = first; b < first + batches; b++) await c.batch(b);
      const used = process.cpuUsage(cpu);
      c.wall.push(Number(process.hrtime.bigint() - start) / 1e6);
      c.cpu.push((used.user + used.system) / 1000);
    }
    next += batches;
  }
  const events = batches * BATCH;
  for (const c of contenders) {
    report.add({
      name: c.name,
      value: (events / median(c.wall)) * 1000,
      unit: "events/s",
      ...(c.name.startsWith("daicho") ? { vs: "raw unnest, same indexes" } : {}),
      note: `${((median(c.cpu) * 1000) / events).toFixed(1)} µs process CPU/event`,
    });
  }
  report.add({
    name: "daicho appendBatch / emmett",
    value: median(contenders[1]?.wall ?? []) / median(contenders[2]?.wall ?? []),
    unit: "×",
  });
  report.add({
    name: "daicho store alone COPY / emmett",
    value: median(contenders[1]?.wall ?? []) / median(contenders[4]?.wall ?? []),
    unit: "×",
  });
  await copyThreshold(report, db);
  await db.close();
  await emmett.close();
  await raw.end();
}

/**
 * Where COPY starts to win: the store alone appending pre-sealed batches of 4 … 256 rows
 * by each path, interleaved (the default threshold, 64, is read off this table).
 */
async function copyThreshold(
  report: Report,
  db: ReturnType<typeof postgresDatabase>,
): Promise<void> {
  const sizes = [4, 16, 64, 256];
  const rounds = Number(process.env.BENCH_PG_ROUNDS ?? 3);
  const events = 4096;
  const rows = await sealedRows(events * rounds * 2);
  let tenant = 0;
  for (const size of sizes) {
    const wall: Record<"copy" | "function", number[]> = { copy: [], function: [] };
    for (let r = 0; r < rounds; r++) {
      for (const path of r % 2 === 0
        ? (["copy", "function"] as const)
        : (["function", "copy"] as const)) {
        const store = db.store(`threshold-${tenant++}`, {
          copyThreshold: path === "copy" ? 1 : Number.MAX_SAFE_INTEGER,
        });
        await store.init({
          ledgerId: "bench.example/raw",
          createdAt: "2026-12-02T00:00:00Z",
          envelopeVersion: 1,
        });
        const start = process.hrtime.bigint();
        for (let at = 0; at < events; at += size) {
          const prev = rows[at - 1];
          await store.append(
            rows.slice(at, at + size),
            prev === undefined ? null : { seq: prev.seq, hash: prev.hash },
          );
        }
        wall[path].push(Number(process.hrtime.bigint() - start) / 1e6);
      }
    }
    report.add({
      name: `store alone, batches of ${size}: COPY / append_events`,
      value: median(wall.function) / median(wall.copy),
      unit: "×",
    });
  }
}

function rawValues(rows: readonly StoredEvent[]): unknown[] {
  return [
    1,
    rows.map((r) => r.seq),
    rows.map((r) => r.id),
    rows.map((r) => r.type),
    rows.map((r) => r.recordedAt),
    rows.map((r) => r.subjects.join(" ")),
    rows.map((r) => r.prevHash),
    rows.map((r) => r.hash),
    rows.map((r) => r.body),
  ];
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] as number;
}
