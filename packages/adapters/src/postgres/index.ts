/**
 * @daicho/adapters/postgres — the PostgreSQL store: many processes appending to one
 * ledger, one ledger per tenant in a shared database, migrations run by the library, and
 * online backup / verified restore of one tenant, and each tenant's Merkle tree and
 * checkpoints.
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
  openPostgres,
  type PostgresDatabase,
  type PostgresOptions,
  type PostgresStoreOptions,
  postgresDatabase,
  postgresStore,
} from "./database";
export { PostgresKeyStore } from "./key-store";
export { PostgresStore } from "./store";
export type { TenantInfo } from "./tenants";
export { PostgresTreeStore } from "./tree-store";
