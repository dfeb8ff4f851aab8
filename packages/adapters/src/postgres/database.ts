import { DaichoError } from "@daicho/core";
import pg from "pg";
import { type BackupResult, backupTenant } from "./backup";
import { type RestoreOptions, type RestoreResult, restoreTenant } from "./backup-restore";
import { pgError } from "./errors";
import { PostgresKeyStore } from "./key-store";
import { checkSchemaVersion, type MigrateResult, migrate } from "./migrate";
import { applicationGrants } from "./migration-sql";
import { quoteSchema } from "./schema";
import { type PgContext, PostgresStore, type TenantStoreOptions } from "./store";
import { eraseTenant, listTenants, type TenantInfo } from "./tenants";
import { PostgresTreeStore } from "./tree-store";

export interface PostgresOptions {
  /** A `postgresql://` URL; ignored when `pool` is given. */
  readonly connectionString?: string;
  /** A pool you manage (then `close()` leaves it open). */
  readonly pool?: pg.Pool;
  /** Schema holding Daichō's tables (default `daicho`). */
  readonly schema?: string;
  /** Pool size when the library creates the pool (default 10). */
  readonly maxConnections?: number;
  /** How long to wait for a connection before failing with STORE_UNAVAILABLE, ms (default 5000). */
  readonly connectTimeoutMs?: number;
  /**
   * Open for reading only (auditing, a read replica, a role with only `SELECT`): when the
   * library creates the pool every connection sets `default_transaction_read_only`, so
   * PostgreSQL itself refuses any write. Appends and tree writes then fail with
   * STORE_UNAVAILABLE. A schema older than this library is accepted for reading.
   */
  readonly readonly?: boolean;
  /**
   * Run the library's migrations when opening (development, tests, a single-user
   * install). Default false: opening runs no DDL at all, it only checks that the schema
   * is at this library's version (`SCHEMA_VERSION`) and refuses otherwise with an error
   * naming both versions and the fix, so an application role without `CREATE` opens it.
   * In production a DBA applies the migrations (`daicho migrate <url>`, `migratePostgres`
   * or the SQL files shipped in `sql/postgres/` of this package). Cannot be combined with
   * `readonly`.
   */
  readonly migrate?: boolean;
}

/**
 * One PostgreSQL database holding any number of tenant ledgers. Opening it checks the
 * schema version (and, only with `migrate: true`, migrates first); `store(t)`
 * hands out the `Store` of tenant `t`, and the tenant-wide operations (list, erase, backup,
 * restore) work on one tenant without touching the others.
 */
export interface PostgresDatabase {
  readonly pool: pg.Pool;
  readonly schema: string;
  /** The store of one tenant's ledger. Stores share this database's pool; closing one does not end it. */
  store(tenant: string, options?: Omit<TenantStoreOptions, "onClose">): PostgresStore;
  /**
   * The Merkle tree store (nodes, size, checkpoints with co-signatures) of one tenant's
   * ledger; pair it with `store(tenant)` in `withTree` / `catchUp` from `@daicho/core/merkle`.
   */
  treeStore(tenant: string): PostgresTreeStore;
  /** The key store (crypto-shredding) of one tenant, in tables apart from the events. */
  keyStore(tenant: string): PostgresKeyStore;
  /** Every tenant with its ledger id and head. */
  tenants(): Promise<TenantInfo[]>;
  /**
   * Delete one tenant's whole ledger (events, subject index, head) in one transaction.
   * `confirmLedgerId` must equal the stored ledger id, so a typo cannot erase a neighbour.
   */
  eraseTenant(tenant: string, confirmLedgerId: string): Promise<{ events: number }>;
  /** Online consistent backup of one tenant to a file; see `backupTenant`. */
  backup(tenant: string, file: string): Promise<BackupResult>;
  /**
   * Restore a backup as a new tenant, verified (against a signed checkpoint when given
   * keys or a checkpoint) before it is committed; see `restoreTenant`.
   */
  restore(tenant: string, file: string, options?: RestoreOptions): Promise<RestoreResult>;
  /** End the pool if this database created it. */
  close(): Promise<void>;
  /** @internal the context stores and backups share. */
  readonly context: PgContext;
}

/**
 * Connect to PostgreSQL and check that the schema is at this library's version (with
 * `migrate: true`, bring it there first). Without `migrate` no DDL is run: a schema that
 * is missing is NOT_FOUND, one at another version STORE_UNAVAILABLE (not retryable), each
 * saying how to fix it (`daicho migrate <url>`). Lost connections surface as
 * `STORE_UNAVAILABLE` (retryable) on the call that needed them; the pool reconnects by
 * itself once the server is back.
 */
export async function openPostgres(options: PostgresOptions): Promise<PostgresDatabase> {
  const db = postgresDatabase(options);
  try {
    await db.context.ready;
  } catch (e) {
    await db.close();
    throw e;
  }
  return db;
}

/** Like `openPostgres` but returns at once; the schema check (and `migrate`) runs on first use. */
export function postgresDatabase(options: PostgresOptions): PostgresDatabase {
  const schema = options.schema ?? "daicho";
  const s = quoteSchema(schema);
  const readonly = options.readonly === true;
  if (readonly && options.migrate === true) {
    throw new DaichoError("INVALID_ARGUMENT", "a read-only open cannot migrate; drop one of them", {
      path: "migrate",
    });
  }
  const { pool, owned } = poolFor(options, options.maxConnections ?? 10, readonly);
  const ready = (
    options.migrate === true ? migrate(pool, schema) : checkSchemaVersion(pool, schema, readonly)
  ).then(
    () => undefined,
    (e: unknown) => {
      throw pgError(e, `schema ${schema}`);
    },
  );
  ready.catch(() => {}); // reported by the first call that awaits it
  const context: PgContext = { pool, s, schema, ready, readonly };
  let ended = false;
  return {
    pool,
    schema,
    context,
    store: (tenant, storeOptions = {}) => new PostgresStore(context, tenant, storeOptions),
    treeStore: (tenant) => new PostgresTreeStore(context, tenant),
    keyStore: (tenant) => new PostgresKeyStore(context, tenant),
    tenants: async () => {
      await ready;
      return listTenants(context);
    },
    eraseTenant: async (tenant, confirmLedgerId) => {
      await ready;
      return eraseTenant(context, tenant, confirmLedgerId);
    },
    backup: (tenant, file) => backupTenant(context, tenant, file),
    restore: (tenant, file, restoreOptions) => restoreTenant(context, tenant, file, restoreOptions),
    close: async () => {
      if (!owned || ended) return;
      ended = true;
      await ready.catch(() => {});
      await pool.end();
    },
  };
}

export interface PostgresStoreOptions extends PostgresOptions, Omit<TenantStoreOptions, "onClose"> {
  /** Which tenant's ledger this store holds (default `default`). */
  readonly tenant?: string;
}

/**
 * A single-tenant PostgreSQL `Store` with its own pool, for applications with one ledger:
 * `openLedger({ store: postgresStore({ connectionString }), ledgerId })`. Closing the store
 * ends the pool. For many tenants share one `openPostgres` database instead.
 */
export function postgresStore(options: PostgresStoreOptions): PostgresStore {
  const db = postgresDatabase(options);
  return new PostgresStore(db.context, options.tenant ?? "default", {
    ...(options.pageSize === undefined ? {} : { pageSize: options.pageSize }),
    onClose: () => db.close(),
  });
}

/** Where `migratePostgres` connects: a URL or a pool you manage, and the schema. */
export interface MigrateOptions
  extends Pick<PostgresOptions, "connectionString" | "pool" | "schema" | "connectTimeoutMs"> {
  /**
   * After migrating, grant this application role what it needs and nothing more
   * (`applicationGrants`: no DDL, no deleting events). Grants are idempotent.
   */
  readonly grantTo?: string;
}

/**
 * Apply the library's migrations to `schema` (default `daicho`): the operator's step
 * (`daicho migrate <url>`) before applications open the database with a role that cannot
 * run DDL. Idempotent (an up-to-date schema is left alone, `applied` is empty) and safe
 * from many processes at once (see `migrate`). Runs as the connecting role, which must
 * own the schema or be allowed to create it. Refuses a schema newer than this library.
 * With `grantTo`, then grants that role `applicationGrants(schema, role)`.
 */
export async function migratePostgres(options: MigrateOptions): Promise<MigrateResult> {
  const schema = options.schema ?? "daicho";
  quoteSchema(schema);
  if (options.grantTo !== undefined) applicationGrants(schema, options.grantTo); // checks the name first
  const { pool, owned } = poolFor(options, 1, false);
  try {
    const result = await migrate(pool, schema);
    if (options.grantTo !== undefined) await pool.query(applicationGrants(schema, options.grantTo));
    return result;
  } catch (e) {
    throw pgError(e, `schema ${schema} (migrate)`);
  } finally {
    if (owned) await pool.end();
  }
}

/** The caller's pool, or a new one for `connectionString` (INVALID_ARGUMENT without either). */
function poolFor(
  options: Pick<PostgresOptions, "connectionString" | "pool" | "connectTimeoutMs">,
  max: number,
  readonly: boolean,
): { pool: pg.Pool; owned: boolean } {
  if (options.pool !== undefined) return { pool: options.pool, owned: false };
  if (options.connectionString === undefined) {
    throw new DaichoError("INVALID_ARGUMENT", "give a connectionString or a pool", {
      path: "connectionString",
    });
  }
  const pool = new pg.Pool({
    connectionString: options.connectionString,
    max,
    connectionTimeoutMillis: options.connectTimeoutMs ?? 5000,
    // Read-only opens: every new connection refuses writes before it is handed out.
    ...(readonly
      ? {
          onConnect: async (client: pg.ClientBase) => {
            await client.query("SET default_transaction_read_only = on");
          },
        }
      : {}),
  });
  // An idle client whose server went away emits 'error' on the pool; without a listener
  // Node would crash the process. The next query reconnects and reports STORE_UNAVAILABLE.
  pool.on("error", () => {});
  return { pool, owned: true };
}
