/**
 * @daicho/adapters/postgres — the PostgreSQL store: many processes appending to one
 * ledger, one ledger per tenant in a shared database, migrations run by the library, and
 * online backup / verified restore of one tenant.
 */

export { type BackupResult, backupTenant, type RestoreOptions, restoreTenant } from "./backup";
export { BACKUP_FORMAT } from "./backup-file";
export {
  openPostgres,
  type PostgresDatabase,
  type PostgresOptions,
  type PostgresStoreOptions,
  postgresDatabase,
  postgresStore,
} from "./database";
export { PostgresKeyStore } from "./key-store";
export { PostgresStore } from "./store";
export { PostgresTreeStore } from "./tree-store";
export type { TenantInfo } from "./tenants";
