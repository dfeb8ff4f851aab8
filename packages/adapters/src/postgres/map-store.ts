import { DaichoError } from "@daicho/core";
import {
  checkVersionWrite,
  decodeMapRecord,
  encodeMapRecord,
  type MapRecord,
  type MapStore,
  type MapWrite,
} from "@daicho/core/map";
import { pgError } from "./errors";
import type { PgContext } from "./store";

/** SQLSTATE `put_map_version` raises when a version at or beyond the new one exists. */
const MAP_MOVED = "DA010";

/**
 * The subject map of one tenant's ledger (spec §12.9) in `map_versions` / `map_records`
 * (migration 6), keyed by the tenant's `ledger_key` like its tree. A version is written
 * by one call of `put_map_version` (records and version in one transaction, writers of
 * one tenant serialised); reads "as of" a version are one statement for all paths. The
 * store does not hash: readers authenticate every record against its parent and `verify`
 * checks every version against the events. Opened read-only on a schema older than
 * migration 6, it reads as an empty map store.
 */
export class PostgresMapStore implements MapStore {
  readonly kind = "postgres";
  private closed = false;
  private tables: Promise<boolean> | undefined;

  constructor(
    private readonly ctx: PgContext,
    private readonly tenant: string,
    private readonly ledgerKey: (required: boolean) => Promise<string | undefined>,
  ) {}

  async latestVersion(): Promise<number | null> {
    const key = await this.key();
    if (key === undefined) return null;
    const r = await this.query<{ v: string | null }>(
      "latest",
      `SELECT max(version) AS v FROM ${this.ctx.s}.map_versions WHERE ledger_key = $1`,
      [key],
    );
    const v = r[0]?.v;
    return v === null || v === undefined ? null : Number(v);
  }

  async hasVersion(version: number): Promise<boolean> {
    const key = await this.key();
    if (key === undefined || !Number.isSafeInteger(version)) return false;
    const r = await this.query(
      "hasVersion",
      `SELECT 1 FROM ${this.ctx.s}.map_versions WHERE ledger_key = $1 AND version = $2`,
      [key, version],
    );
    return r.length > 0;
  }

  async putVersion(version: number, writes: readonly MapWrite[]): Promise<void> {
    this.checkOpen();
    if (this.ctx.readonly === true)
      throw new DaichoError("STORE_UNAVAILABLE", "the map store is read-only", {
        path: `tenant ${this.tenant}`,
      });
    // Shape checks here; "above the latest" is checked again under the lock, in SQL.
    checkVersionWrite(version, writes, null);
    const key = (await this.ledgerKey(true)) as string;
    const paths = writes.map((w) => Buffer.from(w.path));
    const records = writes.map((w) => Buffer.from(encodeMapRecord(w.record)));
    try {
      await this.ctx.pool.query({
        name: `daicho_map_put_${this.ctx.schema}`,
        text: `SELECT ${this.ctx.s}.put_map_version($1, $2, $3::bytea[], $4::bytea[])`,
        values: [key, version, paths, records],
      });
    } catch (e) {
      const pe = e as { code?: string; detail?: string };
      if (pe.code === MAP_MOVED) {
        throw new DaichoError(
          "CONCURRENCY_CONFLICT",
          `the map already has version ${pe.detail}; version ${version} cannot follow it`,
          { retryable: true, details: { latest: Number(pe.detail), version } },
        );
      }
      throw pgError(e, `tenant ${this.tenant} (map putVersion)`);
    }
  }

  async readAsOf(
    version: number,
    paths: readonly Uint8Array[],
  ): Promise<readonly (MapRecord | undefined)[]> {
    const key = await this.key();
    if (key === undefined || paths.length === 0) return paths.map(() => undefined);
    // One statement for all paths: the newest record at or before `version` per path.
    const rows = await this.query<{ i: number; record: Buffer }>(
      "readAsOf",
      `SELECT p.i, r.record
         FROM unnest($2::bytea[]) WITH ORDINALITY AS p(path, i)
         CROSS JOIN LATERAL (
           SELECT record FROM ${this.ctx.s}.map_records
            WHERE ledger_key = $1 AND path = p.path AND version <= $3
            ORDER BY version DESC LIMIT 1) r`,
      [key, paths.map((p) => Buffer.from(p)), version],
    );
    const out: (MapRecord | undefined)[] = paths.map(() => undefined);
    for (const row of rows) out[Number(row.i) - 1] = decodeMapRecord(row.record);
    return out;
  }

  async versions(): Promise<readonly number[]> {
    const key = await this.key();
    if (key === undefined) return [];
    const r = await this.query<{ version: string }>(
      "versions",
      `SELECT version FROM ${this.ctx.s}.map_versions WHERE ledger_key = $1 ORDER BY version`,
      [key],
    );
    return r.map((row) => Number(row.version));
  }

  async readVersion(version: number): Promise<readonly MapWrite[]> {
    const key = await this.key();
    if (key === undefined) return [];
    const r = await this.query<{ path: Buffer; record: Buffer }>(
      "readVersion",
      `SELECT path, record FROM ${this.ctx.s}.map_records
        WHERE ledger_key = $1 AND version = $2 ORDER BY path`,
      [key, version],
    );
    return r.map((row) => ({
      path: new Uint8Array(row.path),
      record: decodeMapRecord(row.record),
    }));
  }

  async readVersionPage(
    version: number,
    after: Uint8Array | undefined,
    limit: number,
  ): Promise<readonly MapWrite[]> {
    const key = await this.key();
    if (key === undefined) return [];
    // Every path is at least 2 bytes, so the empty bytea sorts before all of them.
    const r = await this.query<{ path: Buffer; record: Buffer }>(
      "readVersionPage",
      `SELECT path, record FROM ${this.ctx.s}.map_records
        WHERE ledger_key = $1 AND version = $2 AND path > $3 ORDER BY path LIMIT $4`,
      [key, version, Buffer.from(after ?? new Uint8Array(0)), limit],
    );
    return r.map((row) => ({
      path: new Uint8Array(row.path),
      record: decodeMapRecord(row.record),
    }));
  }

  async recordCount(): Promise<number> {
    const key = await this.key();
    if (key === undefined) return 0;
    const r = await this.query<{ n: string }>(
      "recordCount",
      `SELECT count(*) AS n FROM ${this.ctx.s}.map_records WHERE ledger_key = $1`,
      [key],
    );
    return Number(r[0]?.n ?? 0);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  /** The ledger key, or undefined when there is no ledger or (read-only) no map tables. */
  private async key(): Promise<string | undefined> {
    this.checkOpen();
    const key = await this.ledgerKey(false);
    if (key === undefined || !(await this.hasTables())) return undefined;
    return key;
  }

  /** Migrated databases have the map tables; a read-only open may meet an older schema. */
  private hasTables(): Promise<boolean> {
    if (this.ctx.readonly !== true) return Promise.resolve(true);
    this.tables ??= this.query<{ t: string | null }>("schema", "SELECT to_regclass($1) AS t", [
      `${this.ctx.s}.map_records`,
    ]).then((r) => r[0]?.t !== null && r[0]?.t !== undefined);
    return this.tables;
  }

  private checkOpen(): void {
    if (this.closed)
      throw new DaichoError("STORE_CLOSED", "map store is closed", {
        path: `tenant ${this.tenant}`,
      });
  }

  private async query<R extends object>(
    what: string,
    text: string,
    values: unknown[],
  ): Promise<R[]> {
    try {
      return (await this.ctx.pool.query<R>(text, values)).rows;
    } catch (e) {
      throw pgError(e, `tenant ${this.tenant} (map ${what})`);
    }
  }
}
