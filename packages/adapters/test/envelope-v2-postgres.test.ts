/**
 * Envelope version 2 (docs/spec.md §13) on a real PostgreSQL server: the version is kept
 * in the tenant's `ledgers` row, survives reopening, and an operator with superuser rights
 * who edits it, a salt or a co-subject's index row is reported by `verify`.
 */
import { openLedger, type VerifyReport } from "@daicho/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { openPostgres, type PostgresDatabase } from "../src/postgres/index";

const SCHEMA = `daicho_v2_${process.pid}`;
const LEDGER_ID = "v2.test/pg";
let cluster: PgCluster;
let db: PostgresDatabase;
let counter = 0;

const meeting = (n: number, subjects: string[]) =>
  ({
    type: "data.accessed",
    actor: { id: `agent-${n % 3}` },
    subjects,
    payload: {
      resource: { type: "meeting", id: `m-${n}` },
      fields: ["notes"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
  }) as never;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, schema: SCHEMA, migrate: true });
});
afterAll(async () => {
  await db?.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db?.close();
  cluster?.destroy();
});

/** A v2 tenant with 12 events, every 3rd about c-1 and c-2; returns its ledger key. */
async function v2Tenant(): Promise<{ tenant: string; key: string }> {
  const tenant = `t-${++counter}`;
  const ledger = await openLedger({ store: db.store(tenant), ledgerId: LEDGER_ID, envelope: 2 });
  await ledger.appendBatch(
    Array.from({ length: 12 }, (_, n) => meeting(n, n % 3 === 0 ? ["c-1", "c-2"] : [`c-${n % 4}`])),
  );
  const r = await db.pool.query<{ ledger_key: string }>(
    `SELECT ledger_key FROM ${SCHEMA}.ledgers WHERE tenant = $1`,
    [tenant],
  );
  return { tenant, key: (r.rows[0] as { ledger_key: string }).ledger_key };
}

async function verifyTenant(tenant: string): Promise<VerifyReport> {
  return (await openLedger({ store: db.store(tenant) })).verify();
}

async function edit(sql: string, key: string): Promise<void> {
  const client = await db.pool.connect();
  try {
    await client.query("BEGIN");
    for (const t of ["events", "event_subjects"])
      await client.query(`ALTER TABLE ${SCHEMA}.${t} DISABLE TRIGGER USER`);
    await client.query(sql.replaceAll("{s}", SCHEMA).replaceAll("{k}", key));
    for (const t of ["events", "event_subjects"])
      await client.query(`ALTER TABLE ${SCHEMA}.${t} ENABLE TRIGGER USER`);
    await client.query("COMMIT");
  } finally {
    client.release();
  }
}

describe("envelope version 2 on PostgreSQL", () => {
  it("keeps the version across reopening and verifies", async () => {
    const { tenant } = await v2Tenant();
    const again = await openLedger({ store: db.store(tenant) });
    expect(again.meta.envelopeVersion).toBe(2);
    const [e] = await again.appendBatch([meeting(12, ["c-1", "c-2"])]);
    expect(e?.v).toBe(2);
    await expect(openLedger({ store: db.store(tenant), envelope: 1 })).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
    expect(await verifyTenant(tenant)).toMatchObject({ ok: true, count: 13 });
  });

  const cases: [string, string, number | undefined, string][] = [
    [
      "the envelope version swapped to 1",
      "UPDATE {s}.ledgers SET envelope_version = 1 WHERE ledger_key = {k}",
      0,
      "column-mismatch",
    ],
    [
      "a salt in a stored body",
      `UPDATE {s}.events SET body = replace(body, '"salt":"', '"salt":"f') WHERE ledger_key = {k} AND seq = 3`,
      3,
      "content-changed",
    ],
    [
      "a co-subject's index row deleted",
      "DELETE FROM {s}.event_subjects WHERE ledger_key = {k} AND subject = 'c-2' AND seq = 9",
      undefined,
      "index-mismatch",
    ],
  ];
  for (const [what, sql, seq, kind] of cases) {
    it(`reports ${what} as ${kind}`, async () => {
      const { tenant, key } = await v2Tenant();
      await edit(sql, key);
      const r = await verifyTenant(tenant);
      expect(r).toMatchObject({
        ok: false,
        failure: { kind, ...(seq === undefined ? {} : { seq }) },
      });
    });
  }
});
