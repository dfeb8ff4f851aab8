/**
 * The stored subject map of a real PostgreSQL tenant (`map_versions`, `map_records`,
 * migration 6), attacked by editing rows as the schema's owner: the same cases as SQLite
 * (`map-tamper.ts`). Map tables carry no append-only trigger (the map is derived data
 * that a rebuild may rewrite); what protects them is the checks, not the grants.
 */
import { openLedger } from "@daicho/core";
import { catchUp } from "@daicho/core/merkle";
import { afterAll, beforeAll } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { openPostgres, type PostgresDatabase } from "../src/postgres/index";
import {
  LEDGER_ID,
  type MapRow,
  mapTamperSuite,
  type TamperCase,
  writeHistory,
} from "./map-tamper";

let cluster: PgCluster;
let db: PostgresDatabase;
let counter = 0;
const SCHEMA = `daicho_map_tamper_${process.pid}`;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, schema: SCHEMA, migrate: true });
});
afterAll(async () => {
  await db?.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db?.close();
  cluster?.destroy();
});

/** A tenant of its own with the standard history, edited with plain SQL. */
async function fresh(): Promise<TamperCase> {
  const tenant = `t${++counter}`;
  const ledger = await openLedger({ store: db.store(tenant), ledgerId: LEDGER_ID });
  const tree = await catchUp(db.treeStore(tenant), ledger.store);
  await writeHistory(ledger, tree);
  const key = (
    await db.pool.query<{ k: string }>(
      `SELECT ledger_key AS k FROM ${SCHEMA}.ledgers WHERE tenant = $1`,
      [tenant],
    )
  ).rows[0]?.k;
  const q = (sql: string, values: unknown[]) => db.pool.query(sql, [key, ...values]);
  const where = "ledger_key = $1 AND path = $2 AND version = $3";
  const readOnly = await openPostgres({
    connectionString: cluster.url,
    schema: SCHEMA,
    readonly: true,
  });
  return {
    async rows() {
      const r = await q(
        `SELECT path, version::int AS version, record FROM ${SCHEMA}.map_records WHERE ledger_key = $1 ORDER BY version, path`,
        [],
      );
      return r.rows as MapRow[];
    },
    async update(row, record) {
      await q(`UPDATE ${SCHEMA}.map_records SET record = $4 WHERE ${where}`, [
        row.path,
        row.version,
        record,
      ]);
    },
    async remove(row) {
      await q(`DELETE FROM ${SCHEMA}.map_records WHERE ${where}`, [row.path, row.version]);
    },
    async insert(row) {
      await q(
        `INSERT INTO ${SCHEMA}.map_records (ledger_key, path, version, record) VALUES ($1, $2, $3, $4)`,
        [row.path, row.version, row.record],
      );
    },
    async removeVersion(version) {
      await q(`DELETE FROM ${SCHEMA}.map_versions WHERE ledger_key = $1 AND version = $2`, [
        version,
      ]);
    },
    async openReadOnly() {
      const l = await openLedger({ store: readOnly.store(tenant) });
      const treeStore = readOnly.treeStore(tenant);
      return { ledger: l, treeStore, close: () => l.close() };
    },
    async openWritable() {
      const l = await openLedger({ store: db.store(tenant) });
      const t = await catchUp(db.treeStore(tenant), l.store);
      return { ledger: l, tree: t, treeStore: t.store, close: () => l.close() };
    },
    async dispose() {
      await readOnly.close();
    },
  };
}

mapTamperSuite("PostgreSQL", fresh, 8);
