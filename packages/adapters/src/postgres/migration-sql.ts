import { DaichoError } from "@daicho/core";
import { MIGRATIONS, quoteName, quoteSchema, TABLES } from "./schema";

/** The schema version this library reads and writes: the number of migrations it knows. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * SQLSTATE a migration script raises when the schema is not at the version it migrates
 * from (another migrator was first, or a file is applied out of order). It changes nothing.
 */
export const OUT_OF_ORDER_SQLSTATE = "DA005";

/** One migration script as a DBA reviews it and the library runs it. */
export interface MigrationFile {
  /** `0001-ledgers-events.sql` */
  readonly file: string;
  /** The version the schema is at after this script. */
  readonly version: number;
  readonly name: string;
  readonly sql: string;
}

const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;

/**
 * The complete script that brings `schema` from version `version − 1` to `version`, in
 * one transaction: take the schema's migration advisory lock, (for version 1) create the
 * schema and `schema_migrations`, refuse with SQLSTATE DA005 unless the schema is at
 * `version − 1`, apply the migration, record it. The library sends exactly this text
 * (`migratePostgres`), and the committed files are exactly this text for schema
 * `daicho`, so what a DBA reviews is what runs.
 */
export function migrationScript(schema: string, version: number): string {
  const s = quoteSchema(schema);
  const m = MIGRATIONS[version - 1];
  if (m === undefined || !Number.isInteger(version)) {
    throw new DaichoError("INVALID_ARGUMENT", `no migration ${version} (1 to ${SCHEMA_VERSION})`, {
      path: "version",
    });
  }
  const create =
    version === 1
      ? `-- Create the schema unless a DBA made it already (then CREATE on the database is not needed).
DO $create$ BEGIN
  IF to_regnamespace(${literal(s)}) IS NULL THEN
    CREATE SCHEMA ${s};
  END IF;
END $create$;
CREATE TABLE IF NOT EXISTS ${s}.schema_migrations (
  version     integer PRIMARY KEY,
  name        text NOT NULL,
  applied_at  timestamptz NOT NULL DEFAULT now()
);
`
      : "";
  return `-- Daichō PostgreSQL schema ${schema}: migration ${version} of ${SCHEMA_VERSION}, ${m.name}.
-- Generated from packages/adapters/src/postgres/schema.ts (pnpm sql:postgres); do not edit.
-- Apply the files in order: psql -v ON_ERROR_STOP=1 -f <file> (or run daicho migrate).
-- Each file is one transaction; applied twice or out of order it fails with SQLSTATE
-- ${OUT_OF_ORDER_SQLSTATE} and changes nothing.
BEGIN;
SELECT pg_advisory_xact_lock(hashtext(${literal(`daicho.migrate.${schema}`)}));
${create}-- Refuse unless the schema is at version ${version - 1}.
DO $guard$
DECLARE
  at_version integer;
BEGIN
  SELECT coalesce(max(version), 0) INTO at_version FROM ${s}.schema_migrations;
  IF at_version <> ${version - 1} THEN
    RAISE EXCEPTION 'Daicho schema ${schema} is at version %, this script migrates it from version ${version - 1}', at_version
      USING ERRCODE = '${OUT_OF_ORDER_SQLSTATE}', DETAIL = at_version::text;
  END IF;
END $guard$;

${m.sql.replaceAll("{s}", s).trim()}

INSERT INTO ${s}.schema_migrations (version, name) VALUES (${version}, ${literal(m.name)});
COMMIT;
`;
}

/** Every migration script for `schema`, with its file name, in the order to apply them. */
export function migrationFiles(schema = "daicho"): MigrationFile[] {
  return MIGRATIONS.map((m, i) => ({
    file: `${String(i + 1).padStart(4, "0")}-${m.slug}.sql`,
    version: i + 1,
    name: m.name,
    sql: migrationScript(schema, i + 1),
  }));
}

/**
 * The privileges an application role needs on a migrated `schema`: `USAGE` on the schema,
 * `SELECT` on `schema_migrations` (the version check on open), `SELECT, INSERT, UPDATE`
 * on the ledger's tables, `DELETE` on `subject_keys` only (crypto-shredding destroys a
 * subject's data keys) and `EXECUTE` on the append functions. No `CREATE`, no `DELETE` on
 * events, no `TRUNCATE`: the role can open, append, verify, grow the tree, store
 * checkpoints, seal and erase personal data, and nothing else. Erasing a whole tenant
 * (`eraseTenant`), backup and restore are operator work for the schema's owner.
 */
export function applicationGrants(schema: string, role: string): string {
  const s = quoteSchema(schema);
  const r = quoteName(role, "role");
  const tables = TABLES.map((t) => `${s}.${t}`).join(", ");
  return `-- Privileges of the Daichō application role ${role} on schema ${schema}.
-- Generated from packages/adapters/src/postgres/migration-sql.ts (pnpm sql:postgres); do not edit.
-- Run as the schema's owner after the migration files; replace ${role} with your role.
GRANT USAGE ON SCHEMA ${s} TO ${r};
GRANT SELECT ON ${s}.schema_migrations TO ${r};
GRANT SELECT, INSERT, UPDATE ON ${tables} TO ${r};
-- Crypto-shredding: erasing a subject deletes its wrapped data keys.
GRANT DELETE ON ${s}.subject_keys TO ${r};
GRANT EXECUTE ON FUNCTION ${s}.append_events(bigint, bigint, text, bigint[], text[], text[], text[], text[], text[], text[], text[]) TO ${r};
GRANT EXECUTE ON FUNCTION ${s}.append_tree(bigint, bigint, bigint, bigint[], bytea[]) TO ${r};
GRANT EXECUTE ON FUNCTION ${s}.put_map_version(bigint, bigint, bytea[], bytea[]) TO ${r};
`;
}

/** The role name the committed grants file is written for (a DBA replaces it). */
export const EXAMPLE_APPLICATION_ROLE = "daicho_app";

/**
 * The SQL files committed in `packages/adapters/sql/postgres/` (and shipped in the
 * package): every migration script for schema `daicho`, then `app-role-grants.sql` for
 * the role `daicho_app`. Keyed by file name.
 */
export function committedSqlFiles(): Record<string, string> {
  const files: Record<string, string> = {};
  for (const m of migrationFiles("daicho")) files[m.file] = m.sql;
  files["app-role-grants.sql"] = applicationGrants("daicho", EXAMPLE_APPLICATION_ROLE);
  return files;
}
