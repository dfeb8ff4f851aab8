import { isDaichoError, openLedger } from "@daicho/core";
import { keyStoreConformance, sampleInput, storeConformance } from "@daicho/core/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "./harness/index";
import { openPostgres, type PostgresDatabase, postgresStore } from "./index";
import { MIGRATIONS } from "./schema";

let cluster: PgCluster;
let db: PostgresDatabase;
let counter = 0;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({
    connectionString: cluster.url,
    schema: "daicho_store_test",
    migrate: true,
  });
});
afterAll(async () => {
  await db?.close();
  cluster?.destroy();
});

// Every conformance case gets a fresh tenant in the one shared database: the suite also
// proves tenants do not see each other.
storeConformance("postgres", async () => {
  const tenant = `conformance-${process.pid}-${++counter}`;
  return {
    store: db.store(tenant, { pageSize: 50 }),
    reopen: async () => db.store(tenant, { pageSize: 50 }),
    dispose: async () => {},
  };
});

async function count(url: string, sql: string, values: unknown[] = []): Promise<number> {
  const client = new pg.Client(url);
  await client.connect();
  try {
    const r = await client.query(sql, values);
    return Number(r.rows[0]?.n);
  } finally {
    await client.end();
  }
}

describe("PostgreSQL store", () => {
  it("runs its migrations once, from many processes' worth of pools at once", async () => {
    const dbs = await Promise.all(
      Array.from({ length: 6 }, () =>
        openPostgres({
          connectionString: cluster.url,
          schema: "daicho_migrate_race",
          migrate: true,
        }),
      ),
    );
    await Promise.all(dbs.map((d) => d.close()));
    expect(
      await count(cluster.url, "SELECT count(*) AS n FROM daicho_migrate_race.schema_migrations"),
    ).toBe(MIGRATIONS.length);
  });

  it("keeps tenants apart: separate chains, heads and event ids", async () => {
    const a = await openLedger({ store: db.store("tenant-a"), ledgerId: "a.example/ledger" });
    const b = await openLedger({ store: db.store("tenant-b"), ledgerId: "b.example/ledger" });
    await a.appendBatch([{ ...sampleInput(1), id: "same-id" }, sampleInput(2)]);
    await b.append({ ...sampleInput(3), id: "same-id" });
    expect((await a.head())?.seq).toBe(1);
    expect((await b.head())?.seq).toBe(0);
    expect(await a.verify()).toMatchObject({ ok: true, count: 2 });
    expect(await b.verify()).toMatchObject({ ok: true, count: 1 });
    const tenants = await db.tenants();
    expect(tenants.find((t) => t.tenant === "tenant-a")).toMatchObject({
      ledgerId: "a.example/ledger",
      headSeq: 1,
    });
  });

  it("erases one tenant at once, only with the right confirmation, leaving the others", async () => {
    const gone = await openLedger({
      store: db.store("tenant-gone"),
      ledgerId: "gone.example/ledger",
    });
    const kept = await openLedger({
      store: db.store("tenant-kept"),
      ledgerId: "kept.example/ledger",
    });
    await gone.appendBatch(Array.from({ length: 30 }, (_, i) => sampleInput(i)));
    await kept.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(i)));
    const wrong = await db
      .eraseTenant("tenant-gone", "kept.example/ledger")
      .catch((e: unknown) => e);
    expect(isDaichoError(wrong, "LEDGER_MISMATCH")).toBe(true);
    expect(await db.eraseTenant("tenant-gone", "gone.example/ledger")).toEqual({ events: 30 });
    expect(await db.store("tenant-gone").meta()).toBeNull();
    expect(await kept.verify()).toMatchObject({ ok: true, count: 5 });
    const missing = await db
      .eraseTenant("tenant-gone", "gone.example/ledger")
      .catch((e: unknown) => e);
    expect(isDaichoError(missing, "NOT_FOUND")).toBe(true);
  });

  it("refuses to update or delete ledger rows outside a tenant erase", async () => {
    const ledger = await openLedger({
      store: db.store("tenant-guarded"),
      ledgerId: "guarded.example/ledger",
    });
    await ledger.append(sampleInput(0));
    const client = new pg.Client(cluster.url);
    await client.connect();
    try {
      const update = await client
        .query("UPDATE daicho_store_test.events SET body = 'x'")
        .catch((e: unknown) => e);
      expect((update as { code?: string }).code).toBe("DA003");
      const del = await client
        .query("DELETE FROM daicho_store_test.events")
        .catch((e: unknown) => e);
      expect((del as { code?: string }).code).toBe("DA003");
      const truncate = await client
        .query("TRUNCATE daicho_store_test.events")
        .catch((e: unknown) => e);
      expect((truncate as { code?: string }).code).toBe("DA003");
    } finally {
      await client.end();
    }
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 1 });
  });

  it("commits one group of concurrent single appends per transaction", async () => {
    // Each store.append is one call of append_events, i.e. one transaction; count them.
    const store = db.store("tenant-group");
    let transactions = 0;
    const counting = Object.assign(Object.create(store) as typeof store, {
      append: (
        events: Parameters<typeof store.append>[0],
        expected: Parameters<typeof store.append>[1],
      ) => {
        transactions++;
        return store.append(events, expected);
      },
    });
    const ledger = await openLedger({ store: counting, ledgerId: "group.example/ledger" });
    await Promise.all(Array.from({ length: 200 }, (_, i) => ledger.append(sampleInput(i))));
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 200 });
    expect(transactions).toBeLessThan(40);
  });

  it("fails a call with a retryable STORE_UNAVAILABLE when the server cannot be reached", async () => {
    const store = postgresStore({
      connectionString: "postgresql://postgres@/nowhere?host=/nonexistent-socket-dir&port=1",
      connectTimeoutMs: 500,
    });
    const e = await store.head().catch((x: unknown) => x);
    expect(isDaichoError(e, "STORE_UNAVAILABLE")).toBe(true);
    expect((e as { retryable: boolean }).retryable).toBe(true);
    await store.close();
  });

  it("reports an append to a tenant that was never initialised as NOT_FOUND", async () => {
    const store = db.store("tenant-never");
    expect(await store.head()).toBeNull();
    const donor = await openLedger({
      store: db.store("tenant-donor"),
      ledgerId: "donor.example/ledger",
    });
    await donor.append(sampleInput(0));
    const event = await donor.store.get(0);
    const e = await store
      .append([event as NonNullable<typeof event>], null)
      .catch((x: unknown) => x);
    expect(isDaichoError(e, "NOT_FOUND")).toBe(true);
    expect(await store.meta()).toBeNull();
  });
});

// The tenant's key store (crypto-shredding), on the same database.
keyStoreConformance("postgres", async () => {
  const tenant = `keys-${process.pid}-${++counter}`;
  return {
    store: db.keyStore(tenant),
    reopen: async () => db.keyStore(tenant),
    dispose: async () => {},
  };
});
