/**
 * @daicho/adapters/sqlite — the embedded default store (better-sqlite3, WAL).
 *
 * @module @daicho/adapters/sqlite
 */

export { MAP_TAIL_RECORDS } from "./map-store";
export { type SqliteStoreOptions, sqliteStore } from "./store";
export { type SqliteTreeStoreOptions, sqliteTreeStore } from "./tree-store";
