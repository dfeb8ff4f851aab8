/**
 * The same attack as tamper-sqlite, on a real PostgreSQL server: an operator with
 * superuser rights turns off the append-only triggers and edits the copies beside the
 * hashed bytes. `verify` with the tree must report every edit.
 */
import { isDaichoError, openLedger, type VerifyReport } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, treeCheck } from "@daicho/core/checkpoint";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { openPostgres, type PostgresDatabase } from "../src/postgres/index";

const SCHEMA = `daicho_tamper_${process.pid}`;
const log = ed25519Signer("tamper.test/pg", new Uint8Array(32).fill(9));
let cluster: PgCluster;
let db: PostgresDatabase;
let counter = 0;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, schema: SCHEMA, migrate: true });
});
afterAll(async () => {
  await db?.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db?.close();
  cluster?.destroy();
});

/** A fresh tenant with 40 events and checkpoints at 20 and 40; returns its ledger key. */
async function tenantWithHistory(): Promise<{ tenant: string; key: string }> {
  const tenant = `t-${++counter}`;
  const ledger = await openLedger({ store: db.store(tenant), ledgerId: "tamper.test/pg" });
  const tree = await catchUp(db.treeStore(tenant), ledger.store);
  for (let round = 0; round < 2; round++) {
    await ledger.appendBatch(
      Array.from({ length: 20 }, (_, i) =>
        sampleInput(round * 20 + i, `contact-${(round * 20 + i) % 5}`),
      ),
    );
    await tree.catchUp();
    await emitCheckpoint(tree, log, "tamper.test/pg");
  }
  const r = await db.pool.query<{ ledger_key: string }>(
    `SELECT ledger_key FROM ${SCHEMA}.ledgers WHERE tenant = $1`,
    [tenant],
  );
  return { tenant, key: (r.rows[0] as { ledger_key: string }).ledger_key };
}

async function verifyTenant(tenant: string): Promise<VerifyReport | "threw"> {
  try {
    const ledger = await openLedger({ store: db.store(tenant) });
    return await ledger.verify({
      also: [
        await treeCheck(db.treeStore(tenant), {
          origin: "tamper.test/pg",
          policy: { keys: [log.verifier] },
        }),
      ],
    });
  } catch (e) {
    if (isDaichoError(e)) return "threw";
    throw e;
  }
}

const kindOf = (r: VerifyReport | "threw") =>
  r === "threw" ? "threw" : r.ok ? "ok" : r.failure.kind;

describe("edits of a PostgreSQL ledger's stored copies are reported by verify", () => {
  it("the untouched tenant verifies with every copy checked", async () => {
    const { tenant } = await tenantWithHistory();
    expect(await verifyTenant(tenant)).toMatchObject({
      ok: true,
      count: 40,
      checked: ["columns", "head", "subject-index", "tree", "checkpoints", "checkpoint-signatures"],
    });
  });

  const cases: [string, string, string][] = [
    [
      "the type column",
      "UPDATE {s}.events SET type = 'data.accessed' WHERE ledger_key = {k} AND seq = 9",
      "column-mismatch",
    ],
    [
      "the subjects column",
      "UPDATE {s}.events SET subjects = ARRAY['contact-0'] WHERE ledger_key = {k} AND seq = 3",
      "column-mismatch",
    ],
    [
      "a subject's last index row",
      "DELETE FROM {s}.event_subjects WHERE ledger_key = {k} AND subject = 'contact-2' AND seq = (SELECT max(seq) FROM {s}.event_subjects WHERE ledger_key = {k} AND subject = 'contact-2')",
      "index-mismatch",
    ],
    [
      "an index row added",
      "INSERT INTO {s}.event_subjects (ledger_key, subject, seq) VALUES ({k}, 'contact-1', 2)",
      "index-mismatch",
    ],
    [
      "the stored head moved back",
      "UPDATE {s}.ledgers SET head_seq = 30, head_hash = (SELECT hash FROM {s}.events WHERE ledger_key = {k} AND seq = 30) WHERE ledger_key = {k}",
      "index-mismatch",
    ],
    [
      "a tree node",
      "UPDATE {s}.tree_nodes SET hash = decode(repeat('00', 32), 'hex') WHERE ledger_key = {k} AND ord = 5",
      "tree-mismatch",
    ],
    [
      "the tree size",
      "UPDATE {s}.tree_state SET size = 41 WHERE ledger_key = {k}",
      "tree-mismatch",
    ],
    [
      "a checkpoint's signature",
      "UPDATE {s}.checkpoints SET note = substr(note, 1, length(note) - 6) || 'AAAAA' || chr(10) WHERE ledger_key = {k} AND size = 20",
      "checkpoint-mismatch",
    ],
  ];
  for (const [what, sql, kind] of cases) {
    it(`${what} → ${kind}`, async () => {
      const { tenant, key } = await tenantWithHistory();
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
      expect(kindOf(await verifyTenant(tenant))).toBe(kind);
    });
  }
});
