import type { MapRecord, MapWrite } from "./record";

/**
 * Where a ledger's subject map lives (spec §12.9): records at positions, **versioned** by
 * the checkpoint size they were written for. A version is written once, atomically, and
 * never changed; a read "as of" a version sees, per position, the record written at the
 * largest version not above it. The map is derived data (rebuilt from the events when
 * missing) and every record read is authenticated by its parent's hash up to a signed map
 * root, so stores do not hash. Every implementation passes `mapStoreConformance` from
 * `@daicho/core/testing`.
 */
export interface MapStore {
  /** A short name for messages (`memory`, `sqlite`, `postgres`). */
  readonly kind: string;
  /** The largest version stored, or null when none is. */
  latestVersion(): Promise<number | null>;
  /** True when `version` itself was written (not only an older one). */
  hasVersion(version: number): Promise<boolean>;
  /**
   * Store `writes` as version `version`, all or nothing. Rejects with
   * `CONCURRENCY_CONFLICT` (retryable) and writes nothing when a version ≥ `version` is
   * already stored, and with `INVALID_ARGUMENT` when `version` is not a safe non-negative
   * integer or a position appears twice. Resolves once the version is durable.
   */
  putVersion(version: number, writes: readonly MapWrite[]): Promise<void>;
  /**
   * For each of `paths`, in order, the record at that position as of `version`, or
   * undefined when none was written at or before it.
   */
  readAsOf(
    version: number,
    paths: readonly Uint8Array[],
  ): Promise<readonly (MapRecord | undefined)[]>;
  /** Every version stored, ascending (for `verify`, which checks each against the events). */
  versions(): Promise<readonly number[]>;
  /**
   * The records written as exactly `version` (not older ones), in ascending path order;
   * empty when the version holds none or is not stored. For `verify`.
   */
  readVersion(version: number): Promise<readonly MapWrite[]>;
  /**
   * `readVersion` a page at a time: the records written as exactly `version` whose path
   * sorts after `after` (bytewise, a shorter prefix first; undefined: from the first), in
   * ascending path order, at most `limit` of them. Lets `verify` hold one page of a large
   * version instead of all of it. Optional: a store without it is read whole.
   */
  readVersionPage?(
    version: number,
    after: Uint8Array | undefined,
    limit: number,
  ): Promise<readonly MapWrite[]>;
  /**
   * How many records are stored, over all versions, including any whose version is not
   * among `versions()`: `verify` compares it with the records it checked, so a planted
   * record cannot hide under a version nobody lists.
   */
  recordCount(): Promise<number>;
  close(): Promise<void>;
}
