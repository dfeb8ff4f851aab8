import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { memoryStore, openLedger, type StoredEvent, verifyEvents } from "@daicho/core";
import { sampleInputs } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";

/**
 * `pnpm bench sqlite`: appends with all hashing through the ledger in batches of 1, 100
 * and 1000, beside raw inserts of the same rows into a bare table with the same pragmas
 * (WAL, synchronous=FULL); verify beside raw SHA-256 over the same bytes; and memory while
 * verifying 1,000,000 events (measured in a fresh process).
 */
export const sqliteSection: Section = {
  name: "sqlite",
  async run() {
    const report = new Report("sqlite");
    const dir = mkdtempSync(join(tmpdir(), "daicho-bench-sqlite-"));
    try {
      await appends(report, dir);
      await verifyVsHash(report, dir);
      memory(report, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};

const RUNS = [
  { batch: 1, events: 2000 },
  { batch: 100, events: 30_000 },
  { batch: 1000, events: 60_000 },
];

async function sealed(n: number): Promise<StoredEvent[]> {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId: "bench.example/sqlite" });
  for (let i = 0; i < n; i += 5000)
    await ledger.appendBatch(sampleInputs(Math.min(5000, n - i), i));
  const out: StoredEvent[] = [];
  for await (const e of store.read()) out.push(e);
  return out;
}

function rawTable(path: string): Database.Database {
  const db = new Database(path);
  db.pragma("journal_mode = WAL");
  db.pragma("synchronous = FULL");
  db.exec(`CREATE TABLE raw_events (seq INTEGER PRIMARY KEY, id TEXT NOT NULL, type TEXT NOT NULL, recorded_at TEXT NOT NULL,
    subjects TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL, body TEXT NOT NULL) STRICT`);
  return db;
}

async function appends(report: Report, dir: string): Promise<void> {
  const rows = await sealed(60_000);
  for (const { batch, events } of RUNS) {
    const db = rawTable(join(dir, `raw-${batch}.db`));
    const insert = db.prepare("INSERT INTO raw_events VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
    const insertMany = db.transaction((slice: StoredEvent[]) => {
      for (const r of slice) insertRow(insert, r);
    });
    const rawMs = await timeMs(() => {
      for (let i = 0; i < events; i += batch) insertMany(rows.slice(i, i + batch));
    });
    db.close();
    const rawName = `raw insert, transactions of ${batch}`;
    report.add({ name: rawName, value: (events / rawMs) * 1000, unit: "events/s" });

    const inputs = sampleInputs(events);
    const ledger = await openLedger({
      store: sqliteStore(join(dir, `ours-${batch}.db`)),
      ledgerId: "bench.example/sqlite",
    });
    const ms = await timeMs(async () => {
      for (let i = 0; i < events; i += batch) await ledger.appendBatch(inputs.slice(i, i + batch));
    });
    await ledger.close();
    report.add({
      name: `daicho append (hashing), batches of ${batch}`,
      value: (events / ms) * 1000,
      unit: "events/s",
      vs: rawName,
    });
  }
}

/** One sealed row into a raw table with the store's eight event columns, in their order. */
export function insertRow(insert: Database.Statement, r: StoredEvent): void {
  insert.run(r.seq, r.id, r.type, r.recordedAt, r.subjects.join(" "), r.prevHash, r.hash, r.body);
}

async function verifyVsHash(report: Report, dir: string): Promise<void> {
  const ledger = await openLedger({
    store: sqliteStore(join(dir, "ours-1000.db"), { readonly: true }),
  });
  // The baseline is the SHA-256 implementation the ledger itself uses for event hashes
  // (Node's native one), over exactly the stored canonical bytes.
  const bodies: Uint8Array[] = [];
  for await (const e of ledger.store.read()) bodies.push(Buffer.from(e.body, "utf8"));
  const hashMs = await timeMs(() => {
    for (const b of bodies) createHash("sha256").update(b).digest();
  });
  report.add({
    name: "raw SHA-256 over the same bytes (in memory)",
    value: (bodies.length / hashMs) * 1000,
    unit: "events/s",
  });
  let count = 0;
  const chainMs = await timeMs(async () => {
    count = (await verifyEvents(ledger.store.read(), ledger.genesis)).count;
  });
  report.add({
    name: "daicho verify, chain only (read + parse + hash + links)",
    value: (count / chainMs) * 1000,
    unit: "events/s",
    vs: "raw SHA-256 over the same bytes (in memory)",
  });
  const ms = await timeMs(async () => {
    count = (await ledger.verify()).count;
  });
  report.add({
    name: "daicho verify, with columns, head and subject index",
    value: (count / ms) * 1000,
    unit: "events/s",
    vs: "daicho verify, chain only (read + parse + hash + links)",
  });
  await ledger.close();
}

/** Build a 1,000,000-event ledger, then verify it in a fresh process that samples its memory. */
function memory(report: Report, dir: string): void {
  const child = fileURLToPath(new URL("./sqlite-memory.js", import.meta.url));
  const path = join(dir, "million.db");
  const run = spawnSync(process.execPath, ["--expose-gc", child, path], {
    encoding: "utf8",
    stdio: ["ignore", "pipe", "inherit"],
  });
  if (run.status !== 0) throw new Error(`memory child failed: ${run.status}`);
  const result = JSON.parse(run.stdout.trim().split("\n").pop() as string) as {
    built: number;
    buildMs: number;
    at100k: { rss: number; heap: number };
    at1m: { rss: number; heap: number };
    verifyMs: number;
  };
  report.add({
    name: "build 1M-event ledger (batches of 1000)",
    value: (result.built / result.buildMs) * 1000,
    unit: "events/s",
  });
  report.add({
    name: "verify 1M events",
    value: (result.built / result.verifyMs) * 1000,
    unit: "events/s",
  });
  report.add({
    name: "peak RSS while verifying, first 100k",
    value: result.at100k.rss / 2 ** 20,
    unit: "MiB",
  });
  report.add({
    name: "peak RSS while verifying, all 1M",
    value: result.at1m.rss / 2 ** 20,
    unit: "MiB",
    vs: "peak RSS while verifying, first 100k",
  });
  report.add({
    name: "peak heap while verifying, first 100k",
    value: result.at100k.heap / 2 ** 20,
    unit: "MiB",
  });
  report.add({
    name: "peak heap while verifying, all 1M",
    value: result.at1m.heap / 2 ** 20,
    unit: "MiB",
    vs: "peak heap while verifying, first 100k",
  });
}
