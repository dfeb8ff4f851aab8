import { DaichoError } from "@daicho/core";
import type pg from "pg";
import { migrationScript, OUT_OF_ORDER_SQLSTATE, SCHEMA_VERSION } from "./migration-sql";
import { MIGRATIONS, quoteSchema } from "./schema";

/** What a migration run did. */
export interface MigrateResult {
  readonly schema: string;
  /** The version found before this run (0 for a database without the schema). */
  readonly from: number;
  /** The version after it: always `SCHEMA_VERSION`. */
  readonly to: number;
  /** The migrations this run applied (empty when the schema was up to date, or another migrator was first). */
  readonly applied: readonly { readonly version: number; readonly name: string }[];
}

type Queryable = Pick<pg.Pool | pg.PoolClient, "query">;

/** The version `schema` is at: null when it has no `schema_migrations` table. */
async function readVersion(db: Queryable, schema: string): Promise<number | null> {
  const s = quoteSchema(schema);
  const found = await db.query<{ t: string | null }>("SELECT to_regclass($1) AS t", [
    `${s}.schema_migrations`,
  ]);
  if (found.rows[0]?.t === null || found.rows[0]?.t === undefined) return null;
  const done = await db.query<{ v: number | null }>(
    `SELECT max(version) AS v FROM ${s}.schema_migrations`,
  );
  return done.rows[0]?.v ?? 0;
}

/**
 * Bring `schema` up to `SCHEMA_VERSION`, one migration per transaction, each sent as
 * exactly the script `migrationScript` renders (the committed SQL files). Safe from many
 * processes at once: every script takes the schema's advisory lock first and refuses
 * (DA005, nothing changed) unless the schema is at the version it migrates from, so a
 * migrator that lost the race re-reads the version and goes on from there. Refuses a
 * schema newer than this library. Needs a role that may create the schema (or own it).
 */
export async function migrate(pool: pg.Pool, schema: string): Promise<MigrateResult> {
  quoteSchema(schema);
  const client = await pool.connect();
  try {
    const from = (await readVersion(client, schema)) ?? 0;
    let current = from;
    const applied: { version: number; name: string }[] = [];
    while (current < SCHEMA_VERSION) {
      const next = current + 1;
      try {
        await client.query(migrationScript(schema, next));
        applied.push({ version: next, name: (MIGRATIONS[current] as { name: string }).name });
        current = next;
      } catch (e) {
        await client.query("ROLLBACK").catch(() => {});
        if ((e as { code?: string }).code !== OUT_OF_ORDER_SQLSTATE) throw e;
        // Another migrator applied it first: continue from where the schema is now.
        const now = (await readVersion(client, schema)) ?? 0;
        if (now <= current) throw e;
        current = now;
      }
    }
    if (current > SCHEMA_VERSION) throw versionError(schema, current);
    return { schema, from, to: current, applied };
  } finally {
    client.release();
  }
}

/**
 * The migration version `schema` is at, without changing anything. NOT_FOUND, saying how
 * to create it, when the schema was never migrated.
 */
export async function schemaVersion(pool: pg.Pool, schema: string): Promise<number> {
  const version = await readVersion(pool, schema);
  if (version === null) {
    throw new DaichoError(
      "NOT_FOUND",
      `no Daichō schema "${schema}" in this database: create it with \`daicho migrate <url> --schema ${schema}\` (or the SQL files in @daicho/adapters/sql/postgres); in development, open with migrate: true`,
      { path: schema, details: { schema, libraryVersion: SCHEMA_VERSION } },
    );
  }
  return version;
}

/**
 * Check, without any DDL, that `schema` is at the version this library reads and writes.
 * A newer schema is refused (upgrade the library); an older one is refused unless
 * `readonly` (reading an older schema is safe: migrations only add), with the fix
 * (`daicho migrate`). Returns the version found.
 */
export async function checkSchemaVersion(
  pool: pg.Pool,
  schema: string,
  readonly: boolean,
): Promise<number> {
  const version = await schemaVersion(pool, schema);
  if (version > SCHEMA_VERSION || (version < SCHEMA_VERSION && !readonly)) {
    throw versionError(schema, version);
  }
  return version;
}

/** The schema is at another version than this library's: both versions and the fix. */
function versionError(schema: string, version: number): DaichoError {
  const newer = version > SCHEMA_VERSION;
  const fix = newer
    ? "upgrade @daicho/adapters (and @daicho/cli) to a release that knows it"
    : `run \`daicho migrate <url> --schema ${schema}\` (or apply the SQL files from version ${version + 1}) as the schema's owner`;
  return new DaichoError(
    "STORE_UNAVAILABLE",
    `Daichō schema "${schema}" is at version ${version}, ${newer ? "newer than" : "older than"} this library's version ${SCHEMA_VERSION}: ${fix}`,
    {
      path: schema,
      retryable: false,
      details: { schema, schemaVersion: version, libraryVersion: SCHEMA_VERSION },
    },
  );
}
