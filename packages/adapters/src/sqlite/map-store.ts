import { DaichoError } from "@daicho/core";
import {
  checkVersionWrite,
  compareBytes,
  decodeMapRecord,
  encodeMapRecord,
  type MapRecord,
  type MapStore,
  type MapWrite,
} from "@daicho/core/map";
import type Database from "better-sqlite3";
import { sqliteError } from "./errors";
import { encodeTail, TailVersion, tailCount } from "./map-tail";

/**
 * Records the tail holds before `putVersion` merges it into the indexed table: about
 * 14 checkpoints of 1,000 changed subjects in a map of 10^5 (≈ 9,000 records each).
 */
export const MAP_TAIL_RECORDS = 131_072;

/**
 * The subject map of a SQLite ledger (spec §12.9), in the tables of `MAP_TABLES` on a
 * connection the tree store owns (closing the tree store closes it). A version is written
 * as one row of `daicho_map_tail` (its records in path order, `map-tail.ts`), and the
 * tail is merged into `daicho_map_records` (keyed by path and version) once it holds more
 * than `tailRecords` records: the merge writes each page of the indexed table once for
 * many versions, where writing every version there touches a random page per record.
 * `putVersion` checks the latest version and writes (and merges) in one IMMEDIATE
 * transaction, so two processes emitting checkpoints never interleave a version. The
 * store does not hash: whoever reads a record authenticates it against its parent
 * (`loadPaths`), and `verify` checks every version against the events, reading the rows
 * themselves (never this process's copy of the tail).
 */
export class SqliteMapStore implements MapStore {
  readonly kind = "sqlite";
  private readonly stmts: ReturnType<typeof prepare>;
  /** The tail's statements, once the table exists (see `tail`). */
  private tailStmts: TailStatements | undefined;
  /**
   * Tail rows by version, with the byte length they were read at: the count each gives
   * (for the merge decision) and, once `readAsOf` needed it, the row decoded.
   */
  private readonly cache = new Map<
    number,
    { length: number; count: number; decoded?: TailVersion }
  >();
  private closed = false;

  constructor(
    private readonly db: Database.Database,
    private readonly path: string,
    private readonly readonly: boolean,
    private readonly tailRecords: number = MAP_TAIL_RECORDS,
  ) {
    checkTailRecords(tailRecords);
    this.stmts = prepare(db);
  }

  /**
   * The tail's statements, or undefined while the file has no tail table: a read-only open
   * of a file written before it (schema version 3) looks again on every call, so it sees
   * the table, and the versions in it, once a writer of this release creates it.
   */
  private get tail(): TailStatements | undefined {
    if (this.tailStmts === undefined && this.stmts.hasTail.get() !== undefined)
      this.tailStmts = prepareTail(this.db);
    return this.tailStmts;
  }

  async latestVersion(): Promise<number | null> {
    return this.guard(() => this.latest());
  }

  async hasVersion(version: number): Promise<boolean> {
    return this.guard(() => this.stmts.hasVersion.get(version) !== undefined);
  }

  async putVersion(version: number, writes: readonly MapWrite[]): Promise<void> {
    this.guard(() => {
      const tail = this.tail;
      if (this.readonly || tail === undefined)
        throw new DaichoError("STORE_UNAVAILABLE", "the map store is read-only", {
          path: this.path,
        });
      this.db
        .transaction(() => {
          checkVersionWrite(version, writes, this.latest());
          let held = writes.length;
          for (const r of this.tailLengths(tail)) held += this.tailCountOf(tail, r);
          if (this.tailRecords === 0 || held > this.tailRecords) this.merge(tail, version, writes);
          else tail.put.run(version, encodeTail(writes));
          this.stmts.putVersion.run(version);
        })
        .immediate();
    });
  }

  /**
   * Every version of the tail and `version`'s `writes`, in path order, into the indexed
   * table; the tail emptied. Inside `putVersion`'s transaction.
   */
  private merge(tail: TailStatements, version: number, writes: readonly MapWrite[]): void {
    const all: { path: Uint8Array; version: number; record: Uint8Array }[] = [];
    for (const r of tail.all.all() as { version: number; records: Buffer }[]) {
      const t = new TailVersion(r.version, r.records);
      for (let i = 0; i < t.size; i++)
        all.push({ path: t.path(i), version: r.version, record: t.recordBytes(i) });
    }
    for (const w of writes) all.push({ path: w.path, version, record: encodeMapRecord(w.record) });
    all.sort((x, y) => compareBytes(x.path, y.path) || x.version - y.version);
    for (const a of all) this.stmts.putRecord.run(a.path, a.version, a.record);
    tail.clear.run();
  }

  async readAsOf(
    version: number,
    paths: readonly Uint8Array[],
  ): Promise<readonly (MapRecord | undefined)[]> {
    return this.guard(() =>
      this.db.transaction(() => {
        const out: (MapRecord | undefined)[] = paths.map(() => undefined);
        if (paths.length === 0) return out;
        // Tail versions are newer than every merged one: the newest at or below
        // `version` holding a path answers for it, the indexed table for the rest.
        const tails = this.tailVersions()
          .filter((t) => t.version <= version)
          .reverse();
        const rest: number[] = [];
        for (const [i, p] of paths.entries()) {
          out[i] = newestHolding(tails, p);
          if (out[i] === undefined) rest.push(i);
        }
        if (rest.length === 0) return out;
        // One statement for all remaining paths (one per level of the map when loading
        // paths): the per-call overhead of a statement is most of the cost of a seek.
        const hex = JSON.stringify(
          rest.map((i) => Buffer.from(paths[i] as Uint8Array).toString("hex")),
        );
        for (const row of this.stmts.asOfMany.all(version, hex) as { i: number; record: Buffer }[])
          out[rest[row.i] as number] = decodeMapRecord(row.record);
        return out;
      })(),
    );
  }

  async versions(): Promise<readonly number[]> {
    return this.guard(() =>
      (this.stmts.versions.all() as { version: number }[]).map((r) => r.version),
    );
  }

  async readVersion(version: number): Promise<readonly MapWrite[]> {
    return this.readVersionPage(version, undefined, Number.MAX_SAFE_INTEGER);
  }

  async readVersionPage(
    version: number,
    after: Uint8Array | undefined,
    limit: number,
  ): Promise<readonly MapWrite[]> {
    return this.guard(() =>
      this.db.transaction(() => {
        const indexed = (
          this.stmts.ofVersionAfter.all(version, after ?? new Uint8Array(0), limit) as {
            path: Buffer;
            record: Buffer;
          }[]
        ).map((r) => ({ path: new Uint8Array(r.path), record: decodeMapRecord(r.record) }));
        // For verify: the stored row itself, decoded afresh, never this process's copy.
        const row = this.tail?.one.get(version) as { records: Buffer } | undefined;
        if (row === undefined) return indexed;
        const t = new TailVersion(version, row.records);
        const from = t.firstAfter(after);
        const tailed = t.writes(from, from + Math.min(limit, t.size));
        // A version is in one place; both (an edit outside the library) are listed together.
        return [...indexed, ...tailed].sort((x, y) => compareBytes(x.path, y.path)).slice(0, limit);
      })(),
    );
  }

  async recordCount(): Promise<number> {
    return this.guard(() =>
      this.db.transaction(() => {
        let n = (this.stmts.count.get() as { n: number }).n;
        // Counted from the rows as stored (verify reads this), never this process's copy.
        const tail = this.tail;
        if (tail !== undefined) for (const r of this.tailLengths(tail)) n += storedCount(tail, r);
        return n;
      })(),
    );
  }

  async close(): Promise<void> {
    this.closed = true;
    this.cache.clear();
  }

  private latest(): number | null {
    return (this.stmts.latest.get() as { v: number | null }).v;
  }

  /**
   * The tail rows, ascending, decoded once per process and reused while the row keeps its
   * length (a row is written once; a merge deletes it). What they serve (`readAsOf`) is
   * authenticated against a signed root by its reader, so a copy is no weaker than a row.
   */
  private tailVersions(): TailVersion[] {
    const tail = this.tail;
    if (tail === undefined) return [];
    return this.tailLengths(tail).map(({ version, length }) => {
      const held = this.cache.get(version);
      if (held?.decoded !== undefined && held.length === length) return held.decoded;
      const row = tail.one.get(version) as { records: Buffer };
      const decoded = new TailVersion(version, row.records);
      this.cache.set(version, { length, count: decoded.size, decoded });
      return decoded;
    });
  }

  /**
   * The tail's versions and row lengths, ascending (SQLite gives a BLOB's length without
   * reading it); cached rows of versions no longer in the tail are dropped.
   */
  private tailLengths(tail: TailStatements): TailLength[] {
    const listed = tail.lengths.all() as TailLength[];
    const present = new Set(listed.map((r) => r.version));
    for (const v of this.cache.keys()) if (!present.has(v)) this.cache.delete(v);
    return listed;
  }

  /** The count a tail row gives: this process's copy while the row keeps its length, else `storedCount`. */
  private tailCountOf(tail: TailStatements, { version, length }: TailLength): number {
    const held = this.cache.get(version);
    if (held !== undefined && held.length === length) return held.count;
    const count = storedCount(tail, { version, length });
    this.cache.set(version, { length, count });
    return count;
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

type TailLength = { version: number; length: number };
type TailStatements = ReturnType<typeof prepareTail>;

/**
 * The count a tail row gives, read from its first 4 bytes only (a function over a BLOB
 * reads all of it, so one statement over every row would read the whole tail), checked
 * against its length.
 */
function storedCount(tail: TailStatements, { version, length }: TailLength): number {
  const { head } = tail.head.get(version) as { head: Buffer };
  return tailCount(head, version, length);
}

/** The record at `path` in the first of `tails` (newest first) holding it, or undefined. */
function newestHolding(tails: readonly TailVersion[], path: Uint8Array): MapRecord | undefined {
  for (const t of tails) {
    const at = t.find(path);
    if (at >= 0) return t.record(at);
  }
  return undefined;
}

/** INVALID_ARGUMENT unless `n` (the `mapTailRecords` option) is a non-negative integer. */
export function checkTailRecords(n: number): void {
  if (!Number.isSafeInteger(n) || n < 0)
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "mapTailRecords must be a non-negative integer (0 keeps no tail)",
      { path: "mapTailRecords" },
    );
}

function prepare(db: Database.Database) {
  return {
    hasTail: db.prepare(
      "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'daicho_map_tail'",
    ),
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
    // Every path is at least 2 bytes, so the empty blob sorts before all of them.
    ofVersionAfter: db.prepare(
      "SELECT path, record FROM daicho_map_records WHERE version = ? AND path > ? ORDER BY path LIMIT ?",
    ),
    count: db.prepare("SELECT count(*) AS n FROM daicho_map_records"),
  };
}

function prepareTail(db: Database.Database) {
  return {
    put: db.prepare("INSERT INTO daicho_map_tail (version, records) VALUES (?, ?)"),
    one: db.prepare("SELECT records FROM daicho_map_tail WHERE version = ?"),
    all: db.prepare("SELECT version, records FROM daicho_map_tail ORDER BY version"),
    lengths: db.prepare(
      "SELECT version, length(records) AS length FROM daicho_map_tail ORDER BY version",
    ),
    head: db.prepare("SELECT substr(records, 1, 4) AS head FROM daicho_map_tail WHERE version = ?"),
    clear: db.prepare("DELETE FROM daicho_map_tail"),
  };
}
