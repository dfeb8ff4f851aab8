/**
 * @daicho/adapters/kurrentdb — the KurrentDB / EventStoreDB store. Needs the optional
 * peer dependency `@kurrent/kurrentdb-client`. See docs/kurrentdb.md (not run against a
 * server in this repository).
 *
 * @module @daicho/adapters/kurrentdb
 */

export { kurrentEventId, streamNames } from "./mapping";
export { type KurrentStoreOptions, kurrentdbStore } from "./store";
