import {
  assertContiguousBatch,
  assertTypeQuery,
  type ChainHead,
  concurrencyConflict,
  DaichoError,
  decodeStoredMeta,
  type LedgerMeta,
  ledgerMismatch,
  mergeBySeq,
  type ReadRange,
  type Store,
  type StoredEvent,
  type StrayIndexRow,
  type SubjectHead,
  type SubjectIndexCount,
  sameHead,
  type TypeIndexCount,
} from "@daicho/core";
import Database from "better-sqlite3";
import { sqliteError } from "./errors";
import { acquireReadOnly } from "./read-only";
import { MIGRATIONS, READABLE_VERSION } from "./schema";

export interface SqliteStoreOptions {
  /**
   * Open as evidence: nothing written, no file created beside it, works on read-only
   * media (see `acquireReadOnly` for the rule). NOT_FOUND when the file does not exist.
   */
  readonly readonly?: boolean;
  /**
   * `full` (default) fsyncs every commit: an acknowledged append survives power loss.
   * `normal` survives a process crash but may lose the last commits on power loss.
   */
  readonly synchronous?: "full" | "normal";
  /** How long a writer waits for another process's lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /** Rows per page when reading (default 1000). */
  readonly pageSize?: number;
}

type Row = {
  seq: number;
  id: string;
  type: string;
  recorded_at: string;
  subjects: string;
  prev_hash: string;
  hash: string;
  body: string;
};

/**
 * The embedded default store: one SQLite file in WAL mode. Several processes may open
 * the same file; appends take SQLite's write lock (`BEGIN IMMEDIATE`), check the head and
 * insert the batch in one transaction, so the chain never forks.
 */
export function sqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  return new SqliteStore(path, options);
}

class SqliteStore implements Store {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly pageSize: number;
  private readonly stmts: ReturnType<typeof prepare>;
  private readonly release: () => void;
  private closed = false;

  constructor(
    private readonly path: string,
    options: SqliteStoreOptions,
  ) {
    this.pageSize = options.pageSize ?? 1000;
    const shared = options.readonly === true ? acquireReadOnly(path) : undefined;
    this.release = () => (shared === undefined ? this.db.close() : shared.release());
    try {
      this.db = shared?.db ?? new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
      if (options.readonly !== true) {
        this.db.pragma("journal_mode = WAL");
        this.db.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
        migrate(this.db);
      } else {
        const version = this.db.pragma("user_version", { simple: true }) as number;
        if (version < READABLE_VERSION) {
          throw new DaichoError("STORE_CORRUPT", "file is not a Daichō ledger (schema missing)", {
            path,
          });
        }
      }
      this.stmts = prepare(this.db);
    } catch (e) {
      shared?.release();
      throw sqliteError(e, path);
    }
  }

  async init(meta: LedgerMeta): Promise<LedgerMeta> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const stored = this.readMeta();
          if (stored !== null) {
            if (stored.ledgerId !== meta.ledgerId) {
              throw ledgerMismatch("store", stored.ledgerId, meta.ledgerId);
            }
            return stored;
          }
          this.stmts.putMeta.run("meta", JSON.stringify(meta));
          return meta;
        })
        .immediate(),
    );
  }

  async meta(): Promise<LedgerMeta | null> {
    return this.guard(() => this.readMeta());
  }

  async head(): Promise<ChainHead | null> {
    return this.guard(() => this.readHead());
  }

  async append(events: readonly StoredEvent[], expected: ChainHead | null): Promise<void> {
    if (events.length === 0) return;
    assertContiguousBatch(events, expected);
    this.guard(() =>
      this.db
        .transaction(() => {
          const current = this.readHead();
          if (!sameHead(current, expected)) throw concurrencyConflict(expected, current);
          for (const e of events) {
            this.stmts.insertEvent.run(
              e.seq,
              e.id,
              e.type,
              e.recordedAt,
              e.subjects.join(" "),
              e.prevHash,
              e.hash,
              e.body,
            );
            for (const s of e.subjects) this.stmts.insertSubject.run(s, e.seq);
          }
        })
        .immediate(),
    );
  }

  async *read(range: ReadRange = {}): AsyncIterable<StoredEvent> {
    let from = range.from ?? 0;
    const to = range.to ?? Number.MAX_SAFE_INTEGER;
    for (;;) {
      const rows = this.guard(() => this.stmts.page.all(from, to, this.pageSize) as Row[]);
      for (const row of rows) yield toStored(row);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < this.pageSize) return;
      from = last.seq + 1;
    }
  }

  async get(seq: number): Promise<StoredEvent | undefined> {
    const row = this.guard(() => this.stmts.one.get(seq) as Row | undefined);
    return row === undefined ? undefined : toStored(row);
  }

  async subjectHeads(subjects: readonly string[]): Promise<Map<string, SubjectHead>> {
    return this.guard(() => {
      const heads = new Map<string, SubjectHead>();
      for (const s of subjects) {
        const row = this.stmts.subjectHead.get(s) as { seq: number; hash: string } | undefined;
        if (row !== undefined) heads.set(s, { seq: row.seq, hash: row.hash });
      }
      return heads;
    });
  }

  async *readSubject(subject: string): AsyncIterable<StoredEvent> {
    let from = 0;
    for (;;) {
      const rows = this.guard(
        () => this.stmts.subjectPage.all(subject, from, this.pageSize) as Row[],
      );
      for (const row of rows) yield toStored(row);
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < this.pageSize) return;
      from = last.seq + 1;
    }
  }

  async *subjectIndexCounts(through: number): AsyncIterable<SubjectIndexCount> {
    // One row per subject, in primary-key order; each page seeks past the last subject.
    let after: string | undefined;
    for (;;) {
      const rows = this.guard(
        () =>
          (after === undefined
            ? this.stmts.countsFirst.all(through, this.pageSize)
            : this.stmts.countsAfter.all(after, through, this.pageSize)) as SubjectIndexCount[],
      );
      yield* rows;
      const last = rows[rows.length - 1];
      if (last === undefined || rows.length < this.pageSize) return;
      after = last.subject;
    }
  }

  async strayIndexRows(through: number, limit: number): Promise<readonly StrayIndexRow[]> {
    return this.guard(() => this.stmts.stray.all(through, limit) as StrayIndexRow[]);
  }

  async readByType(
    types: readonly string[],
    fromSeq: number,
    limit: number,
  ): Promise<readonly StoredEvent[]> {
    assertTypeQuery(types, fromSeq, limit);
    // One seek per type into the (type, seq) index, merged by seq, all in one read
    // transaction so the lists agree on one snapshot.
    return this.guard(() =>
      this.db.transaction(() =>
        mergeBySeq(
          [...new Set(types)].map((t) =>
            (this.stmts.byType.all(t, fromSeq, limit) as Row[]).map(toStored),
          ),
          limit,
        ),
      )(),
    );
  }

  async *typeIndexCounts(through: number): AsyncIterable<TypeIndexCount> {
    yield* this.guard(() => this.stmts.typeCounts.all(through) as TypeIndexCount[]);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  private readMeta(): LedgerMeta | null {
    const row = this.stmts.getMeta.get("meta") as { value: string } | undefined;
    return row === undefined ? null : decodeStoredMeta(row.value, "the SQLite file");
  }

  private readHead(): ChainHead | null {
    const row = this.stmts.head.get() as { seq: number; hash: string } | undefined;
    return row === undefined ? null : { seq: row.seq, hash: row.hash };
  }

  private guard<A>(f: () => A): A {
    if (this.closed || !this.db.open)
      throw new DaichoError("STORE_CLOSED", "store is closed", { path: this.path });
    try {
      return f();
    } catch (e) {
      throw sqliteError(e, this.path);
    }
  }
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < MIGRATIONS.length; v++) {
      db.exec(MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

function prepare(db: Database.Database) {
  const columns = "seq, id, type, recorded_at, subjects, prev_hash, hash, body";
  return {
    getMeta: db.prepare("SELECT value FROM daicho_meta WHERE key = ?"),
    putMeta: db.prepare("INSERT INTO daicho_meta (key, value) VALUES (?, ?)"),
    head: db.prepare("SELECT seq, hash FROM daicho_events ORDER BY seq DESC LIMIT 1"),
    insertEvent: db.prepare(
      "INSERT INTO daicho_events (seq, id, type, recorded_at, subjects, prev_hash, hash, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
    ),
    insertSubject: db.prepare("INSERT INTO daicho_event_subjects (subject, seq) VALUES (?, ?)"),
    page: db.prepare(
      `SELECT ${columns} FROM daicho_events WHERE seq >= ? AND seq < ? ORDER BY seq LIMIT ?`,
    ),
    one: db.prepare(`SELECT ${columns} FROM daicho_events WHERE seq = ?`),
    countsFirst: db.prepare(
      "SELECT subject, count(*) AS rows FROM daicho_event_subjects WHERE seq <= ? GROUP BY subject ORDER BY subject LIMIT ?",
    ),
    countsAfter: db.prepare(
      "SELECT subject, count(*) AS rows FROM daicho_event_subjects WHERE subject > ? AND seq <= ? GROUP BY subject ORDER BY subject LIMIT ?",
    ),
    // The subjects column is ids joined by single spaces, and ids contain no space.
    stray: db.prepare(
      "SELECT s.subject AS subject, s.seq AS seq FROM daicho_event_subjects s LEFT JOIN daicho_events e ON e.seq = s.seq WHERE e.seq IS NULL OR (s.seq <= ? AND instr(' ' || e.subjects || ' ', ' ' || s.subject || ' ') = 0) LIMIT ?",
    ),
    byType: db.prepare(
      `SELECT ${columns} FROM daicho_events WHERE type = ? AND seq >= ? ORDER BY seq LIMIT ?`,
    ),
    // Counted from the index by type itself (a covering index: no table row is read).
    typeCounts: db.prepare(
      "SELECT type, count(*) AS rows FROM daicho_events WHERE seq <= ? GROUP BY type ORDER BY type",
    ),
    subjectHead: db.prepare(
      "SELECT e.seq AS seq, e.hash AS hash FROM daicho_event_subjects s JOIN daicho_events e ON e.seq = s.seq WHERE s.subject = ? ORDER BY s.seq DESC LIMIT 1",
    ),
    subjectPage: db.prepare(
      `SELECT ${columns
        .split(", ")
        .map((c) => `e.${c}`)
        .join(
          ", ",
        )} FROM daicho_event_subjects s JOIN daicho_events e ON e.seq = s.seq WHERE s.subject = ? AND s.seq >= ? ORDER BY s.seq LIMIT ?`,
    ),
  };
}

function splitSubjects(column: string): string[] {
  return column === "" ? [] : column.split(" ");
}

function toStored(row: Row): StoredEvent {
  return {
    seq: row.seq,
    id: row.id,
    type: row.type,
    recordedAt: row.recorded_at,
    subjects: splitSubjects(row.subjects),
    prevHash: row.prev_hash,
    hash: row.hash,
    body: row.body,
  };
}
