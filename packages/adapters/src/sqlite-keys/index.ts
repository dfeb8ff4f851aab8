/**
 * @daicho/adapters/sqlite-keys — a `KeyStore` in its own SQLite file, apart from the
 * ledger file, so backups of the log never carry keys.
 *
 * @module @daicho/adapters/sqlite-keys
 */
export { type SqliteKeyStoreOptions, sqliteKeyStore } from "./store";
