import { openPostgres, type PostgresDatabase } from "@daicho/adapters/postgres";
import { type PgCluster, startPgCluster } from "@daicho/adapters/postgres/harness";
import { openLedger } from "@daicho/core";
import { sampleInputs } from "@daicho/core/testing";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";

/**
 * `pnpm bench pg-servers`: throughput per PostgreSQL server when tenants are spread over
 * `BENCH_SERVERS` (default 2) local durable clusters: 8 tenants per server, each
 * appending batches of 100 (`BENCH_SERVER_EVENTS` events per server, default 20,000),
 * first on one server alone, then on all servers at once. On one machine the clusters
 * share its cores and disk, so the "all at once" figure is a floor, not a forecast.
 */
export const pgServersSection: Section = {
  name: "pg-servers",
  async run() {
    const report = new Report("pg-servers");
    const count = Number(process.env.BENCH_SERVERS ?? 2);
    const events = Number(process.env.BENCH_SERVER_EVENTS ?? 20_000);
    const clusters: PgCluster[] = [];
    const dbs: PostgresDatabase[] = [];
    try {
      for (let i = 0; i < count; i++) {
        const c = await startPgCluster({ durable: true, privateCluster: true });
        clusters.push(c);
        dbs.push(await openPostgres({ connectionString: c.url, migrate: true, maxConnections: 8 }));
      }
      const alone = await load(dbs[0] as PostgresDatabase, "alone", events);
      report.add({
        name: "one server alone",
        value: alone,
        unit: "events/s",
        note: "8 tenants, batches of 100",
      });
      let all: number[] = [];
      const ms = await timeMs(async () => {
        all = await Promise.all(dbs.map((db, i) => load(db, `together-${i}`, events)));
      });
      all.forEach((rate, i) => {
        report.add({
          name: `server ${i + 1} of ${count}, all at once`,
          value: rate,
          unit: "events/s",
          vs: "one server alone",
        });
      });
      report.add({
        name: `${count} servers together`,
        value: ((events * count) / ms) * 1000,
        unit: "events/s",
        vs: "one server alone",
      });
    } finally {
      for (const db of dbs) await db.close();
      for (const c of clusters) c.destroy();
    }
    return report;
  },
};

/** 8 tenants on `db` append `events` events between them in batches of 100; events/s. */
async function load(db: PostgresDatabase, prefix: string, events: number): Promise<number> {
  const tenants = 8;
  const ledgers = await Promise.all(
    Array.from({ length: tenants }, (_, t) =>
      openLedger({ store: db.store(`${prefix}-${t}`), ledgerId: `${prefix}-${t}.example/l` }),
    ),
  );
  const per = Math.floor(events / tenants);
  const ms = await timeMs(() =>
    Promise.all(
      ledgers.map(async (ledger) => {
        for (let i = 0; i < per; i += 100)
          await ledger.appendBatch(sampleInputs(Math.min(100, per - i), i));
      }),
    ),
  );
  return ((per * tenants) / ms) * 1000;
}
