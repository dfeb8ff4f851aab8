import { DaichoError } from "@daicho/core";
import pg from "pg";
import { type BackupResult, backupTenant } from "./backup";
import { type RestoreOptions, type RestoreResult, restoreTenant } from "./backup-restore";
import { PostgresKeyStore } from "./key-store";
import { migrate, schemaVersion } from "./migrate";
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
   * Open for reading only (auditing, a read replica, a role with only `SELECT`): no
   * migrations are run (the schema must exist), and when the library creates the pool
   * every connection sets `default_transaction_read_only`, so PostgreSQL itself refuses
   * any write. Appends and tree writes then fail with STORE_UNAVAILABLE.
   */
  readonly readonly?: boolean;
}

/**
 * One PostgreSQL database holding any number of tenant ledgers. Opening it runs the
 * library's migrations (once per schema, safely from many processes at once); `store(t)`
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
 * Connect to PostgreSQL and bring the schema up to date. Lost connections surface as
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

/** Like `openPostgres` but returns at once; migrations run on first use. */
export function postgresDatabase(options: PostgresOptions): PostgresDatabase {
  const schema = options.schema ?? "daicho";
  const s = quoteSchema(schema);
  const owned = options.pool === undefined;
  if (owned && options.connectionString === undefined) {
    throw new DaichoError("INVALID_ARGUMENT", "give a connectionString or a pool", {
      path: "connectionString",
    });
  }
  const readonly = options.readonly === true;
  const pool =
    options.pool ??
    new pg.Pool({
      connectionString: options.connectionString,
      max: options.maxConnections ?? 10,
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
  if (owned) pool.on("error", () => {});
  const ready = (readonly ? schemaVersion(pool, schema) : migrate(pool, schema)).then(
    () => undefined,
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
