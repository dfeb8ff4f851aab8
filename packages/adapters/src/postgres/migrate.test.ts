import { randomBytes } from "node:crypto";
import {
  type EventInput,
  isDaichoError,
  isRedacted,
  openLedger,
  toLedgerEvent,
} from "@daicho/core";
import { emitCheckpoint, generateKey, signerFromKeyText } from "@daicho/core/checkpoint";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "./harness/index";
import { migratePostgres, openPostgres } from "./index";
import { applicationGrants, migrationScript, SCHEMA_VERSION } from "./migration-sql";
import { TABLES } from "./schema";

const ALL_VERSIONS = Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1);

let cluster: PgCluster;
let admin: pg.Client;
const schemas: string[] = [];
const roles: string[] = [];
/** A schema of its own per test and run, dropped afterwards (reruns against DAICHO_PG_URL start clean). */
const schemaFor = (name: string) => {
  const s = `daicho_mig_${name}_${process.pid}`;
  schemas.push(s);
  return s;
};

beforeAll(async () => {
  cluster = await startPgCluster();
  admin = new pg.Client(cluster.url);
  await admin.connect();
});
afterAll(async () => {
  for (const s of schemas) await admin?.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  for (const r of roles) await admin?.query(`DROP ROLE IF EXISTS ${r}`);
  await admin?.end();
  cluster?.destroy();
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

async function schemaExists(schema: string): Promise<boolean> {
  const r = await admin.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  return r.rowCount === 1;
}

async function migrations(schema: string): Promise<{ version: number; applied_at: Date }[]> {
  return (
    await admin.query(
      `SELECT version, applied_at FROM ${schema}.schema_migrations ORDER BY version`,
    )
  ).rows;
}

/** A login role on the test server, and the URL that connects as it. */
async function loginRole(name: string): Promise<{ role: string; url: string }> {
  const role = `${name}_${process.pid}`;
  const password = randomBytes(12).toString("hex");
  roles.push(role);
  await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  const url = cluster.url.replace(
    /^(postgres(?:ql)?:\/\/)(?:[^@/?#]*@)?/,
    `$1${role}:${password}@`,
  );
  return { role, url };
}

const kek = { id: "kek-mig", key: new Uint8Array(32).fill(7) };

function withPersonal(n: number, subject: string): EventInput {
  return {
    ...sampleInput(n, subject),
    personal: [{ subject, field: "email", value: `person-${n}@example.jp` }],
  } as EventInput;
}

describe("PostgreSQL migrations are an explicit step", () => {
  it("opens without running any DDL: a missing schema is refused, saying how to create it, and is not created", async () => {
    const schema = schemaFor("absent");
    const e = await failure(openPostgres({ connectionString: cluster.url, schema }));
    expect(isDaichoError(e, "NOT_FOUND"), String(e)).toBe(true);
    expect((e as Error).message).toContain(`daicho migrate <url> --schema ${schema}`);
    // The connecting role is a superuser: it could have created it, and did not.
    expect(await schemaExists(schema)).toBe(false);
    const db = (await import("./index")).postgresStore({ connectionString: cluster.url, schema });
    expect(isDaichoError(await failure(db.head()), "NOT_FOUND")).toBe(true);
    await db.close();
    expect(await schemaExists(schema)).toBe(false);
  });

  it("migrates when asked; a second run is a no-op that changes nothing", async () => {
    const schema = schemaFor("twice");
    const first = await migratePostgres({ connectionString: cluster.url, schema });
    expect(first).toMatchObject({ schema, from: 0, to: SCHEMA_VERSION });
    expect(first.applied.map((m) => m.version)).toEqual(ALL_VERSIONS);
    const before = await migrations(schema);
    const second = await migratePostgres({ connectionString: cluster.url, schema });
    expect(second).toEqual({ schema, from: SCHEMA_VERSION, to: SCHEMA_VERSION, applied: [] });
    const dev = await openPostgres({ connectionString: cluster.url, schema, migrate: true });
    await dev.close();
    expect(await migrations(schema)).toEqual(before);
    const db = await openPostgres({ connectionString: cluster.url, schema });
    const ledger = await openLedger({ store: db.store("t"), ledgerId: "twice.example/l" });
    await ledger.append(sampleInput(0));
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 1 });
    await db.close();
  });

  it("runs the scripts a DBA applies by hand; applied twice or out of order they fail with DA005 and change nothing", async () => {
    const schema = schemaFor("dba");
    const client = new pg.Client(cluster.url);
    await client.connect();
    const apply = async (v: number) => {
      try {
        await client.query(migrationScript(schema, v));
        return "ok";
      } catch (e) {
        await client.query("ROLLBACK");
        return (e as { code?: string }).code;
      }
    };
    try {
      expect(await apply(1)).toBe("ok");
      expect(await apply(1)).toBe("DA005");
      expect(await apply(3)).toBe("DA005");
      expect((await migrations(schema)).map((m) => m.version)).toEqual([1]);
      const tables = await admin.query(
        "SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = $1 AND tablename = 'tree_nodes'",
        [schema],
      );
      expect(tables.rows[0].n).toBe(0);
      for (const v of ALL_VERSIONS.slice(1)) expect(await apply(v)).toBe("ok");
    } finally {
      await client.end();
    }
    const db = await openPostgres({ connectionString: cluster.url, schema });
    const ledger = await openLedger({ store: db.store("t"), ledgerId: "dba.example/l" });
    await ledger.append(sampleInput(1));
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 1 });
    await db.close();
    expect(await migratePostgres({ connectionString: cluster.url, schema })).toMatchObject({
      applied: [],
    });
  });

  it("refuses a schema older than the library for writing, naming both versions and the fix; reads it read-only", async () => {
    const schema = schemaFor("older");
    for (const v of [1, 2]) await admin.query(migrationScript(schema, v));
    const e = await failure(openPostgres({ connectionString: cluster.url, schema }));
    expect(isDaichoError(e, "STORE_UNAVAILABLE"), String(e)).toBe(true);
    expect((e as { retryable: boolean }).retryable).toBe(false);
    const message = (e as Error).message;
    expect(message).toContain("at version 2");
    expect(message).toContain(`library's version ${SCHEMA_VERSION}`);
    expect(message).toContain(`daicho migrate <url> --schema ${schema}`);
    expect((e as { details: unknown }).details).toMatchObject({
      schemaVersion: 2,
      libraryVersion: SCHEMA_VERSION,
    });
    const ro = await openPostgres({ connectionString: cluster.url, schema, readonly: true });
    expect(await ro.tenants()).toEqual([]);
    await ro.close();
    expect(await migratePostgres({ connectionString: cluster.url, schema })).toMatchObject({
      from: 2,
      applied: ALL_VERSIONS.slice(2).map((version) => ({ version })),
    });
  });

  it("refuses a schema newer than the library, read-only too, and will not migrate it", async () => {
    const schema = schemaFor("newer");
    await migratePostgres({ connectionString: cluster.url, schema });
    await admin.query(
      `INSERT INTO ${schema}.schema_migrations (version, name) VALUES ($1, 'from a later release')`,
      [SCHEMA_VERSION + 1],
    );
    for (const open of [
      () => openPostgres({ connectionString: cluster.url, schema }),
      () => openPostgres({ connectionString: cluster.url, schema, readonly: true }),
      () => migratePostgres({ connectionString: cluster.url, schema }),
    ]) {
      const e = await failure(open());
      expect(isDaichoError(e, "STORE_UNAVAILABLE"), String(e)).toBe(true);
      expect((e as Error).message).toContain(`at version ${SCHEMA_VERSION + 1}`);
      expect((e as Error).message).toContain(`newer than this library's version ${SCHEMA_VERSION}`);
      expect((e as Error).message).toContain("upgrade @daicho/adapters");
    }
  });

  it("refuses migrate together with readonly", async () => {
    const e = await failure(
      openPostgres({ connectionString: cluster.url, readonly: true, migrate: true }),
    );
    expect(isDaichoError(e, "INVALID_ARGUMENT")).toBe(true);
  });

  it("creates exactly the tables an application role is granted", async () => {
    const schema = schemaFor("tables");
    await migratePostgres({ connectionString: cluster.url, schema });
    const r = await admin.query<{ tablename: string }>(
      "SELECT tablename FROM pg_tables WHERE schemaname = $1 ORDER BY tablename",
      [schema],
    );
    expect(r.rows.map((x) => x.tablename)).toEqual([...TABLES, "schema_migrations"].sort());
  });
});

describe("an application role that cannot run DDL", () => {
  it("with only SELECT/INSERT/UPDATE (and USAGE, EXECUTE) opens, appends, seals, verifies and signs a checkpoint", async () => {
    const schema = schemaFor("approle");
    await migratePostgres({ connectionString: cluster.url, schema });
    const { role, url } = await loginRole("daicho_app_min");
    await admin.query(`GRANT USAGE ON SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT SELECT, INSERT, UPDATE ON ALL TABLES IN SCHEMA ${schema} TO ${role}`);
    await admin.query(`GRANT EXECUTE ON ALL FUNCTIONS IN SCHEMA ${schema} TO ${role}`);
    const db = await openPostgres({ connectionString: url, schema });
    try {
      const ledger = await openLedger({
        store: db.store("acme"),
        ledgerId: "approle.example/acme",
        keys: { store: db.keyStore("acme"), kek },
      });
      await ledger.appendBatch(Array.from({ length: 20 }, (_, i) => withPersonal(i, `c-${i % 3}`)));
      await Promise.all(Array.from({ length: 10 }, (_, i) => ledger.append(sampleInput(20 + i))));
      expect(await ledger.verify()).toMatchObject({ ok: true, count: 30 });
      const first = await ledger.store.get(0);
      if (first === undefined) throw new Error("no event 0");
      const opened = await ledger.openPersonal(toLedgerEvent(first));
      expect(opened[0]).toMatchObject({ field: "email", value: "person-0@example.jp" });
      const tree = await catchUp(db.treeStore("acme"), ledger.store);
      const key = generateKey("approle.example/acme");
      const signer = signerFromKeyText(key.privateKey);
      if (signer._tag === "Left") throw signer.left;
      const cp = await emitCheckpoint(tree, signer.right, "approle.example/acme");
      expect(cp.size).toBe(30);
      // What it may not do: DDL, or rewriting the evidence.
      const ddl = await failure(migratePostgres({ connectionString: url, schema: `${schema}_x` }));
      expect(isDaichoError(ddl), String(ddl)).toBe(true);
      expect((ddl as { details?: { pg?: string } }).details?.pg).toBe("42501");
      expect(await schemaExists(`${schema}_x`)).toBe(false);
      const del = await failure(db.pool.query(`DELETE FROM ${schema}.events`));
      expect((del as { code?: string }).code).toBe("42501");
    } finally {
      await db.close();
    }
  });

  it("with the shipped grants also erases a subject (crypto-shredding), and still cannot delete events or fake the version", async () => {
    const schema = schemaFor("grants");
    await migratePostgres({ connectionString: cluster.url, schema });
    const { role, url } = await loginRole("daicho_app_grants");
    await admin.query(applicationGrants(schema, role));
    const db = await openPostgres({ connectionString: url, schema });
    try {
      const ledger = await openLedger({
        store: db.store("acme"),
        ledgerId: "grants.example/acme",
        keys: { store: db.keyStore("acme"), kek },
      });
      const event = await ledger.append(withPersonal(0, "c-erase"));
      const erasure = erasureService({
        ledger,
        signer: ed25519Signer("grants.example/erasure", new Uint8Array(32).fill(9)),
        actor: { id: "dpo-1", role: "dpo" },
      });
      const request = await erasure.request("c-erase", {
        requestedBy: "c-erase",
        channel: "email",
      });
      expect((await erasure.execute(request.requestId)).outcome).toBe("erased");
      const [field] = await ledger.openPersonal(event);
      expect(isRedacted(field?.value)).toBe(true);
      expect(await ledger.verify()).toMatchObject({ ok: true });
      for (const sql of [
        `DELETE FROM ${schema}.events`,
        `INSERT INTO ${schema}.schema_migrations (version, name) VALUES (99, 'x')`,
        `CREATE TABLE ${schema}.extra (x int)`,
      ]) {
        const e = await failure(db.pool.query(sql));
        expect((e as { code?: string }).code, sql).toBe("42501");
      }
    } finally {
      await db.close();
    }
  });
});
