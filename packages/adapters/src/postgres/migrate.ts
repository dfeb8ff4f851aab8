import { DaichoError } from "@daicho/core";
import type pg from "pg";
import { MIGRATIONS, quoteSchema } from "./schema";

/**
 * Bring `schema` up to the latest migration. Safe to call from many processes at once:
 * the whole run holds a transaction-scoped advisory lock, each migration is applied in
 * that one transaction, and `schema_migrations` records which ran. Returns the version
 * the schema is at afterwards.
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<number> {
  const s = quoteSchema(schema);
  const client = await pool.connect();
  try {
    await client.query("BEGIN");
    await client.query("SELECT pg_advisory_xact_lock(hashtext($1))", [`daicho.migrate.${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS ${s}`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const done = await client.query<{ v: number | null }>(
      `SELECT max(version) AS v FROM ${s}.schema_migrations`,
    );
    const current = done.rows[0]?.v ?? 0;
    for (let v = current; v < MIGRATIONS.length; v++) {
      const m = MIGRATIONS[v] as (typeof MIGRATIONS)[number];
      await client.query(m.sql.replaceAll("{s}", s));
      await client.query(`INSERT INTO ${s}.schema_migrations (version, name) VALUES ($1, $2)`, [
        v + 1,
        m.name,
      ]);
    }
    await client.query("COMMIT");
    return Math.max(current, MIGRATIONS.length);
  } catch (e) {
    await client.query("ROLLBACK").catch(() => {});
    throw e;
  } finally {
    client.release();
  }
}

/**
 * The migration version `schema` is at, without changing anything (for read-only opens:
 * a replica or a role with only `SELECT`). NOT_FOUND when the schema was never migrated.
 */
export async function schemaVersion(pool: pg.Pool, schema: string): Promise<number> {
  const s = quoteSchema(schema);
  const found = await pool.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [
    `${s}.schema_migrations`,
  ]);
  if (found.rows[0]?.t === null || found.rows[0]?.t === undefined) {
    throw new DaichoError("NOT_FOUND", "no Daichō schema in this database", { path: schema });
  }
  const done = await pool.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${s}.schema_migrations`,
  );
  return done.rows[0]?.v ?? 0;
}
