/**
 * @daicho/adapters/kurrentdb — the KurrentDB store. Needs the optional peer dependency
 * `@kurrent/kurrentdb-client` and a KurrentDB 25.1+ server. See docs/kurrentdb.md for
 * what was and was not run against a real server.
 *
 * @module @daicho/adapters/kurrentdb
 */

export type { KurrentClient } from "./client";
export { kurrentEventId, type StreamNames, streamNames } from "./mapping";
export { type KurrentStoreOptions, kurrentdbStore } from "./store";
