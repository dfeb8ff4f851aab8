/**
 * @daicho/adapters/postgres — the PostgreSQL store: many processes appending to one
 * ledger, one ledger per tenant in a shared database, migrations as an explicit step
 * (`migratePostgres`, `daicho migrate`, or the SQL files for a DBA), and
 * online backup / verified restore of one tenant, and each tenant's Merkle tree and
 * checkpoints; tenants spread over several servers by a tenant directory
 * (`TenantDirectory`, `openTenantRouter`) and moved between them (`moveTenant`).
 *
 * @module @daicho/adapters/postgres
 */

export {
  type BackupResult,
  backupTenant,
} from "./backup";
export { BACKUP_FORMAT, BACKUP_FORMAT_V1 } from "./backup-file";
export { type RestoreOptions, type RestoreResult, restoreTenant } from "./backup-restore";
export type { RestoreTrust } from "./backup-trust";
export {
  type MigrateOptions,
  migratePostgres,
  openPostgres,
  type PostgresDatabase,
  type PostgresOptions,
  type PostgresStoreOptions,
  postgresDatabase,
  postgresStore,
} from "./database";
export { assertServerName, type Placement, TenantDirectory } from "./directory";
export { PostgresKeyStore } from "./key-store";
export type { MigrateResult } from "./migrate";
export {
  applicationGrants,
  type MigrationFile,
  migrationFiles,
  migrationScript,
  SCHEMA_VERSION,
} from "./migration-sql";
export { openTenantRouter, type TenantRouter, type TenantRouterOptions } from "./router";
export { PostgresStore } from "./store";
export { type MoveOptions, type MoveResult, moveTenant } from "./tenant-move";
export type { TenantInfo } from "./tenants";
export { PostgresTreeStore } from "./tree-store";
