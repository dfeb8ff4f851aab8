import { postgresDatabase } from "@daicho/adapters/postgres";
import { startPgCluster } from "@daicho/adapters/postgres/harness";
import { type EventInput, memoryStore, openLedger, type StoredEvent } from "@daicho/core";
import { sampleInputs } from "@daicho/core/testing";
import { getPostgreSQLEventStore } from "@event-driven-io/emmett-postgresql";
import pg from "pg";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";

/**
 * `pnpm bench postgres`: one throw-away PostgreSQL cluster (fsync on), and in it, side by
 * side: our append throughput (1, 16, 64 concurrent single-event writers; batches of
 * 1000) against (a) inserting the same rows into a bare table and (b) Emmett's
 * PostgreSQL event store appending the same events; then reading/verifying against
 * reading the raw table.
 */
export const postgresSection: Section = {
  name: "postgres",
  async run() {
    const report = new Report("postgres");
    const cluster = await startPgCluster({ durable: true, tcp: true, privateCluster: true });
    try {
      await runAll(report, cluster.url);
    } finally {
      cluster.destroy();
    }
    return report;
  },
};

const SINGLE = [
  { writers: 1, events: 1500 },
  { writers: 16, events: 8000 },
  { writers: 64, events: 16000 },
];
const BATCH = 1000;
const BATCHES = 30;
const READ_EVENTS = 100_000;

/** Seal `n` events with the real ledger code (in memory) to get the exact rows we store. */
export async function sealedRows(n: number): Promise<StoredEvent[]> {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId: "bench.example/raw" });
  for (let i = 0; i < n; i += 5000)
    await ledger.appendBatch(sampleInputs(Math.min(5000, n - i), i));
  const rows: StoredEvent[] = [];
  for await (const e of store.read()) rows.push(e);
  return rows;
}

/** Run `writers` concurrent lanes that together call `f` for 0 … total-1; events per second. */
async function lanes(
  writers: number,
  total: number,
  f: (i: number, lane: number) => Promise<unknown>,
): Promise<number> {
  let next = 0;
  const ms = await timeMs(() =>
    Promise.all(
      Array.from({ length: writers }, async (_, lane) => {
        while (next < total) await f(next++, lane);
      }),
    ),
  );
  return (total / ms) * 1000;
}

const RAW_TABLE = `CREATE TABLE IF NOT EXISTS raw_events (
  seq bigint PRIMARY KEY, id text NOT NULL, type text NOT NULL, recorded_at text NOT NULL,
  subjects text[] NOT NULL, prev_hash text NOT NULL, hash text NOT NULL, body text NOT NULL)`;

const RAW_BATCH = `INSERT INTO raw_events SELECT u.seq, u.id, u.type, u.recorded_at, u.subjects::text[], u.prev_hash, u.hash, u.body FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[])
  AS u(seq, id, type, recorded_at, subjects, prev_hash, hash, body)`;

function rawBatchValues(rows: readonly StoredEvent[]): unknown[] {
  return [
    rows.map((r) => r.seq),
    rows.map((r) => r.id),
    rows.map((r) => r.type),
    rows.map((r) => r.recordedAt),
    rows.map((r) => `{${r.subjects.join(",")}}`),
    rows.map((r) => r.prevHash),
    rows.map((r) => r.hash),
    rows.map((r) => r.body),
  ];
}

/**
 * Emmett appends to one stream (one ledger = one total order). Concurrent appends to a
 * stream can collide on its version; like our ledger, retry until it lands.
 */
async function emmettAppend(
  store: ReturnType<typeof getPostgreSQLEventStore>,
  stream: string,
  events: ReturnType<typeof emmettEvent>[],
): Promise<void> {
  for (;;) {
    try {
      await store.appendToStream(stream, events);
      return;
    } catch (e) {
      if ((e as { errorCode?: number }).errorCode !== 412) throw e;
      emmettConflicts++;
    }
  }
}
let emmettConflicts = 0;

export function emmettEvent(input: EventInput) {
  return {
    type: input.type,
    data: { actor: input.actor, subjects: input.subjects ?? [], payload: input.payload },
  };
}

async function runAll(report: Report, url: string): Promise<void> {
  const rows = await sealedRows(Math.max(READ_EVENTS, BATCH * BATCHES));
  const inputs = sampleInputs(BATCH * BATCHES);
  const raw = new pg.Pool({ connectionString: url, max: 64 });
  await raw.query(RAW_TABLE);
  const emmett = getPostgreSQLEventStore(url);
  await emmett.appendToStream("warmup", [emmettEvent(inputs[0] as EventInput)]);
  let tenant = 0;
  const oursByWriters = new Map<number, number>();

  for (const { writers, events } of SINGLE) {
    await raw.query("DROP TABLE IF EXISTS raw_events");
    await raw.query(RAW_TABLE);
    const rawRate = await lanes(writers, events, (i) => {
      const r = rows[i] as StoredEvent;
      return raw.query("INSERT INTO raw_events VALUES ($1, $2, $3, $4, $5, $6, $7, $8)", [
        r.seq,
        r.id,
        r.type,
        r.recordedAt,
        r.subjects,
        r.prevHash,
        r.hash,
        r.body,
      ]);
    });
    const rawName = `raw insert, ${writers} writer(s), single rows`;
    report.add({ name: rawName, value: rawRate, unit: "events/s" });

    const db = postgresDatabase({ connectionString: url, maxConnections: 8, migrate: true });
    const ledger = await openLedger({
      store: db.store(`single-${writers}-${tenant++}`),
      ledgerId: "bench.example/pg",
    });
    const ours = await lanes(writers, events, (i) =>
      ledger.append(inputs[i % inputs.length] as EventInput),
    );
    await db.close();
    oursByWriters.set(writers, ours);
    report.add({
      name: `daicho, ${writers} writer(s), single events`,
      value: ours,
      unit: "events/s",
      vs: rawName,
    });

    // Emmett has no group commit: concurrent appends to one stream mostly collide on its
    // version (it livelocks at 16 writers), so each Emmett writer gets its own stream —
    // its idiomatic and fastest layout, and a weaker guarantee than our single chain.
    emmettConflicts = 0;
    const emmettRate = await lanes(writers, events, (i, lane) =>
      emmettAppend(emmett, `ledger-single-${writers}-${lane}`, [
        emmettEvent(inputs[i % inputs.length] as EventInput),
      ]),
    );
    const emmettName = `emmett, ${writers} writer(s), single events (stream per writer)`;
    report.add({
      name: emmettName,
      value: emmettRate,
      unit: "events/s",
      note: `${emmettConflicts} version conflicts retried`,
    });
    report.add({
      name: `daicho/emmett, ${writers} writer(s)`,
      value: ours / emmettRate,
      unit: "×",
    });
  }
  report.add({
    name: "daicho, 64 writers / 1 writer (group commit scaling)",
    value: (oursByWriters.get(64) ?? 0) / (oursByWriters.get(1) ?? 1),
    unit: "×",
  });

  // Batches of 1000, one writer.
  await raw.query("DROP TABLE IF EXISTS raw_events");
  await raw.query(RAW_TABLE);
  const rawBatch = await lanes(1, BATCHES, (b) =>
    raw.query(RAW_BATCH, rawBatchValues(rows.slice(b * BATCH, (b + 1) * BATCH))),
  );
  report.add({ name: "raw insert, batches of 1000", value: rawBatch * BATCH, unit: "events/s" });
  const db = postgresDatabase({ connectionString: url, maxConnections: 8, migrate: true });
  const batchLedger = await openLedger({
    store: db.store("batches"),
    ledgerId: "bench.example/pg",
  });
  const oursBatch = await lanes(1, BATCHES, (b) =>
    batchLedger.appendBatch(inputs.slice(b * BATCH, (b + 1) * BATCH)),
  );
  report.add({
    name: "daicho, batches of 1000",
    value: oursBatch * BATCH,
    unit: "events/s",
    vs: "raw insert, batches of 1000",
  });
  // The store alone (events sealed beforehand): separates PostgreSQL work from hashing.
  const storeOnly = db.store("batches-store-only");
  await storeOnly.init({
    ledgerId: "bench.example/raw",
    createdAt: new Date().toISOString(),
    envelopeVersion: 1,
  });
  const storeRate = await lanes(1, BATCHES, (b) => {
    const slice = rows.slice(b * BATCH, (b + 1) * BATCH);
    const prev = b === 0 ? null : (rows[b * BATCH - 1] as StoredEvent);
    return storeOnly.append(slice, prev === null ? null : { seq: prev.seq, hash: prev.hash });
  });
  report.add({
    name: "daicho store.append only (pre-sealed), batches of 1000",
    value: storeRate * BATCH,
    unit: "events/s",
    vs: "raw insert, batches of 1000",
  });
  const emmettBatch = await lanes(1, BATCHES, (b) =>
    emmettAppend(
      emmett,
      "ledger-batches",
      inputs.slice(b * BATCH, (b + 1) * BATCH).map((x) => emmettEvent(x)),
    ),
  );
  report.add({ name: "emmett, batches of 1000", value: emmettBatch * BATCH, unit: "events/s" });
  report.add({ name: "daicho/emmett, batches of 1000", value: oursBatch / emmettBatch, unit: "×" });

  // Read and verify against reading the raw table.
  await raw.query("DROP TABLE IF EXISTS raw_events");
  await raw.query(RAW_TABLE);
  for (let b = 0; b * 5000 < READ_EVENTS; b++)
    await raw.query(RAW_BATCH, rawBatchValues(rows.slice(b * 5000, (b + 1) * 5000)));
  const readLedger = await openLedger({ store: db.store("read"), ledgerId: "bench.example/raw" });
  await readLedger.store.append(rows.slice(0, READ_EVENTS), null);
  const rawReadMs = await timeMs(async () => {
    let from = 0;
    for (;;) {
      const r = await raw.query({
        text: "SELECT seq, id, type, recorded_at, subjects, prev_hash, hash, body FROM raw_events WHERE seq >= $1 ORDER BY seq LIMIT 1000",
        values: [from],
        rowMode: "array",
      });
      if (r.rows.length === 0) break;
      from = Number((r.rows[r.rows.length - 1] as unknown[])[0]) + 1;
    }
  });
  report.add({
    name: "raw read (pages of 1000)",
    value: (READ_EVENTS / rawReadMs) * 1000,
    unit: "events/s",
  });
  let n = 0;
  const readMs = await timeMs(async () => {
    for await (const _ of readLedger.store.read()) n++;
  });
  report.add({
    name: "daicho read",
    value: (n / readMs) * 1000,
    unit: "events/s",
    vs: "raw read (pages of 1000)",
  });
  let verified = 0;
  const verifyMs = await timeMs(async () => {
    const r = await readLedger.verify();
    verified = r.count;
  });
  report.add({
    name: "daicho verify",
    value: (verified / verifyMs) * 1000,
    unit: "events/s",
    vs: "raw read (pages of 1000)",
  });
  await db.close();
  await emmett.close();
  await raw.end();
}
