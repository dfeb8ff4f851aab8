import { DaichoError } from "@daicho/core";
import {
  checkVersionWrite,
  decodeMapRecord,
  encodeMapRecord,
  type MapRecord,
  type MapStore,
  type MapWrite,
} from "@daicho/core/map";
import type Database from "better-sqlite3";
import { sqliteError } from "./errors";

/**
 * The subject map of a SQLite ledger (spec §12.9), in the tables of `MAP_TABLES` on a
 * connection the tree store owns (closing the tree store closes it). `putVersion` checks
 * the latest version and writes the records and the version in one IMMEDIATE
 * transaction, so two processes emitting checkpoints never interleave a version. Records
 * are stored encoded by `encodeMapRecord`; the store does not hash: whoever reads a
 * record authenticates it against its parent (`loadPaths`), and `verify` checks every
 * version against the events.
 */
export class SqliteMapStore implements MapStore {
  readonly kind = "sqlite";
  private readonly stmts: ReturnType<typeof prepare>;
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly readonly: boolean,
  ) {
    this.stmts = prepare(db);
  }

  async latestVersion(): Promise<number | null> {
    return this.guard(() => this.latest());
  }

  async hasVersion(version: number): Promise<boolean> {
    return this.guard(() => this.stmts.hasVersion.get(version) !== undefined);
  }

  async putVersion(version: number, writes: readonly MapWrite[]): Promise<void> {
    this.guard(() => {
      if (this.readonly)
        throw new DaichoError("STORE_UNAVAILABLE", "the map store is read-only", {
          path: this.path,
        });
      this.db
        .transaction(() => {
          checkVersionWrite(version, writes, this.latest());
          for (const w of writes)
            this.stmts.putRecord.run(w.path, version, encodeMapRecord(w.record));
          this.stmts.putVersion.run(version);
        })
        .immediate();
    });
  }

  async readAsOf(
    version: number,
    paths: readonly Uint8Array[],
  ): Promise<readonly (MapRecord | undefined)[]> {
    // One statement for all paths (one per level of the map when loading paths): the
    // per-call overhead of a statement is most of the cost of a one-row seek.
    return this.guard(() => {
      const out: (MapRecord | undefined)[] = paths.map(() => undefined);
      if (paths.length === 0) return out;
      const hex = JSON.stringify(paths.map((p) => Buffer.from(p).toString("hex")));
      for (const row of this.stmts.asOfMany.all(version, hex) as { i: number; record: Buffer }[])
        out[row.i] = decodeMapRecord(row.record);
      return out;
    });
  }

  async versions(): Promise<readonly number[]> {
    return this.guard(() =>
      (this.stmts.versions.all() as { version: number }[]).map((r) => r.version),
    );
  }

  async readVersion(version: number): Promise<readonly MapWrite[]> {
    return this.guard(() =>
      (this.stmts.ofVersion.all(version) as { path: Buffer; record: Buffer }[]).map((r) => ({
        path: new Uint8Array(r.path),
        record: decodeMapRecord(r.record),
      })),
    );
  }

  async readVersionPage(
    version: number,
    after: Uint8Array | undefined,
    limit: number,
  ): Promise<readonly MapWrite[]> {
    return this.guard(() =>
      (
        this.stmts.ofVersionAfter.all(version, after ?? new Uint8Array(0), limit) as {
          path: Buffer;
          record: Buffer;
        }[]
      ).map((r) => ({ path: new Uint8Array(r.path), record: decodeMapRecord(r.record) })),
    );
  }

  async recordCount(): Promise<number> {
    return this.guard(() => (this.stmts.count.get() as { n: number }).n);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private latest(): number | null {
    return (this.stmts.latest.get() as { v: number | null }).v;
  }

  private guard<A>(f: () => A): A {
    if (this.closed || !this.db.open)
      throw new DaichoError("STORE_CLOSED", "map store is closed", { path: this.path });
    try {
      return f();
    } catch (e) {
      throw sqliteError(e, this.path);
    }
  }
}

function prepare(db: Database.Database) {
  return {
    latest: db.prepare("SELECT max(version) AS v FROM daicho_map_versions"),
    hasVersion: db.prepare("SELECT 1 FROM daicho_map_versions WHERE version = ?"),
    versions: db.prepare("SELECT version FROM daicho_map_versions ORDER BY version"),
    putVersion: db.prepare("INSERT INTO daicho_map_versions (version) VALUES (?)"),
    putRecord: db.prepare(
      "INSERT INTO daicho_map_records (path, version, record) VALUES (?, ?, ?)",
    ),
    asOfMany: db.prepare(
      `SELECT p.key AS i, (SELECT r.record FROM daicho_map_records r
                            WHERE r.path = unhex(p.value) AND r.version <= ?
                            ORDER BY r.version DESC LIMIT 1) AS record
         FROM json_each(?) p WHERE record IS NOT NULL`,
    ),
    ofVersion: db.prepare(
      "SELECT path, record FROM daicho_map_records WHERE version = ? ORDER BY path",
    ),
    // Every path is at least 2 bytes, so the empty blob sorts before all of them.
    ofVersionAfter: db.prepare(
      "SELECT path, record FROM daicho_map_records WHERE version = ? AND path > ? ORDER BY path LIMIT ?",
    ),
    count: db.prepare("SELECT count(*) AS n FROM daicho_map_records"),
  };
}
