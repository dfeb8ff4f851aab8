import { mapStoreConformance } from "@daicho/core/testing";
import { afterAll, beforeAll } from "vitest";
import { type PgCluster, startPgCluster } from "./harness/index";
import { openPostgres, type PostgresDatabase } from "./index";

let cluster: PgCluster;
let db: PostgresDatabase;
let counter = 0;
// A schema of its own per run, dropped afterwards: reruns against DAICHO_PG_URL start clean.
const SCHEMA = `daicho_map_test_${process.pid}`;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, schema: SCHEMA, migrate: true });
});
afterAll(async () => {
  await db?.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db?.close();
  cluster?.destroy();
});

// A map belongs to a tenant's ledger: each case gets a fresh, initialised tenant, so the
// cases also show that tenants' maps are apart.
mapStoreConformance("postgres", async () => {
  const tenant = `map-${process.pid}-${++counter}`;
  await db.store(tenant).init({
    ledgerId: `map.test/${counter}`,
    createdAt: new Date().toISOString(),
    envelopeVersion: 1,
  });
  return {
    store: db.treeStore(tenant).map as NonNullable<ReturnType<typeof db.treeStore>["map"]>,
    reopen: async () =>
      db.treeStore(tenant).map as NonNullable<ReturnType<typeof db.treeStore>["map"]>,
    dispose: async () => {},
  };
});
