import { mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgres, type PostgresDatabase } from "@daicho/adapters/postgres";
import { startPgCluster } from "@daicho/adapters/postgres/harness";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { type Ledger, openLedger } from "@daicho/core";
import { catchUp, inclusionProof, type TreeStore } from "@daicho/core/merkle";
import { sampleInput, sampleInputs } from "@daicho/core/testing";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";

/**
 * `pnpm bench scale` (issue 16 item 6): one ledger of `BENCH_SCALE_EVENTS` events
 * (default 20,000; the recorded run used 100,000) on SQLite and on PostgreSQL — append rate over the first and the last
 * tenth, verify, tree build and inclusion-proof generation, bytes on disk — then
 * `BENCH_SCALE_TENANTS` tenants (default 10,000) in one PostgreSQL database: open (init),
 * first append, reopen of an existing tenant, verify one tenant, list all, with per-tenant
 * latency percentiles. Durable settings (fsync on; SQLite WAL + synchronous FULL).
 */
export const scaleSection: Section = {
  name: "scale",
  async run() {
    const report = new Report("scale");
    const events = Number(process.env.BENCH_SCALE_EVENTS ?? 20_000);
    const tenants = Number(process.env.BENCH_SCALE_TENANTS ?? 10_000);
    const dir = mkdtempSync(join(tmpdir(), "daicho-scale-"));
    const cluster = await startPgCluster({ durable: true, privateCluster: true });
    try {
      if (events > 0) {
        const path = join(dir, "scale.db");
        await oneLedger(report, "sqlite", events, sqliteStore(path), sqliteTreeStore(path), () =>
          Promise.resolve(fileBytes(path)),
        );
        const db = await openPostgres({ connectionString: cluster.url, migrate: true });
        await oneLedger(report, "postgres", events, db.store("scale"), db.treeStore("scale"), () =>
          schemaBytes(db),
        );
        await db.close();
      }
      if (tenants > 0) await manyTenants(report, cluster.url, tenants);
    } finally {
      cluster.destroy();
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};

const BATCH = 1000;
const PROOFS = 200;

async function oneLedger(
  report: Report,
  kind: string,
  events: number,
  store: Parameters<typeof openLedger>[0]["store"],
  trees: TreeStore,
  bytes: () => Promise<number>,
): Promise<void> {
  const ledger = await openLedger({ store, ledgerId: `bench.example/${kind}` });
  const tenth = Math.max(BATCH, Math.floor(events / 10 / BATCH) * BATCH);
  let firstMs = 0;
  let lastMs = 0;
  for (let i = 0; i < events; i += BATCH) {
    const inputs = sampleInputs(Math.min(BATCH, events - i), i);
    const ms = await timeMs(() => ledger.appendBatch(inputs));
    if (i < tenth) firstMs += ms;
    if (i >= events - tenth) lastMs += ms;
  }
  report.add({
    name: `${kind}: append, first ${tenth} events`,
    value: (tenth / firstMs) * 1000,
    unit: "events/s",
  });
  report.add({
    name: `${kind}: append, last ${tenth} events (at ${events})`,
    value: (tenth / lastMs) * 1000,
    unit: "events/s",
    vs: `${kind}: append, first ${tenth} events`,
  });
  let verified = 0;
  const verifyMs = await timeMs(async () => {
    verified = (await ledger.verify()).count;
  });
  report.add({
    name: `${kind}: verify ${verified} events`,
    value: (verified / verifyMs) * 1000,
    unit: "events/s",
  });
  const treeMs = await timeMs(() => catchUp(trees, ledger.store));
  report.add({
    name: `${kind}: build the Merkle tree`,
    value: (events / treeMs) * 1000,
    unit: "leaves/s",
  });
  const proofMs = await timeMs(async () => {
    for (let k = 0; k < PROOFS; k++)
      await inclusionProof(trees, (k * 7919 * 104729) % events, events);
  });
  report.add({
    name: `${kind}: inclusion proof at ${events} leaves`,
    value: (proofMs / PROOFS) * 1000,
    unit: "µs/proof",
  });
  const size = await bytes();
  report.add({
    name: `${kind}: bytes on disk per event`,
    value: size / events,
    unit: "B",
    note: `${(size / 2 ** 20).toFixed(0)} MiB in all (events, indexes, tree)`,
  });
  await trees.close();
  await ledger.close();
}

function fileBytes(path: string): number {
  let n = 0;
  for (const f of [path, `${path}-wal`]) {
    try {
      n += statSync(f).size;
    } catch {
      // no WAL file
    }
  }
  return n;
}

async function schemaBytes(db: PostgresDatabase): Promise<number> {
  const r = await db.pool.query<{ n: string }>(
    `SELECT sum(pg_total_relation_size(c.oid)) AS n FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = $1 AND c.relkind = 'r'`,
    [db.schema],
  );
  return Number(r.rows[0]?.n ?? 0);
}

/** `tenants` tenants in one database, 16 at a time; latency percentiles per operation. */
async function manyTenants(report: Report, url: string, tenants: number): Promise<void> {
  const db = await openPostgres({
    connectionString: url,
    schema: "tenants",
    migrate: true,
    maxConnections: 16,
  });
  const open: number[] = [];
  const append: number[] = [];
  let next = 0;
  const fillMs = await timeMs(() =>
    Promise.all(
      Array.from({ length: 16 }, async () => {
        while (next < tenants) {
          const t = next++;
          let ledger: Ledger | undefined;
          open.push(
            await timeMs(async () => {
              ledger = await openLedger({
                store: db.store(`tenant-${t}`),
                ledgerId: `t${t}.example/l`,
              });
            }),
          );
          append.push(await timeMs(() => (ledger as Ledger).append(sampleInput(t))));
        }
      }),
    ),
  );
  report.add({
    name: `${tenants} tenants: open + first append, all`,
    value: (tenants / fillMs) * 1000,
    unit: "tenants/s",
    note: "16 at a time",
  });
  percentiles(report, `${tenants} tenants: open (init)`, open);
  // Flat or not: the first and the last tenth of the tenants opened.
  const tenth = Math.max(1, Math.floor(tenants / 10));
  percentiles(report, `${tenants} tenants: open, first ${tenth}`, open.slice(0, tenth));
  percentiles(report, `${tenants} tenants: open, last ${tenth}`, open.slice(-tenth));
  percentiles(report, `${tenants} tenants: first append`, append);
  const reopen: number[] = [];
  const verify: number[] = [];
  for (let k = 0; k < 200; k++) {
    const t = (k * 7919) % tenants;
    let ledger: Ledger | undefined;
    reopen.push(
      await timeMs(async () => {
        ledger = await openLedger({ store: db.store(`tenant-${t}`) });
      }),
    );
    verify.push(await timeMs(() => (ledger as Ledger).verify()));
  }
  percentiles(report, `${tenants} tenants: reopen an existing tenant`, reopen);
  percentiles(report, `${tenants} tenants: verify one tenant`, verify);
  let listed = 0;
  const listMs = await timeMs(async () => {
    listed = (await db.tenants()).length;
  });
  report.add({ name: `${tenants} tenants: list all (${listed})`, value: listMs, unit: "ms" });
  await db.close();
}

function percentiles(report: Report, name: string, ms: number[]): void {
  const s = [...ms].sort((a, b) => a - b);
  const at = (q: number) => s[Math.min(s.length - 1, Math.floor(q * s.length))] as number;
  report.add({ name: `${name}, p50`, value: at(0.5), unit: "ms" });
  report.add({
    name: `${name}, p99`,
    value: at(0.99),
    unit: "ms",
    note: `p95 ${at(0.95).toFixed(2)} ms, max ${at(1).toFixed(2)} ms`,
  });
}
