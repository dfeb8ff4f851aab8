import { DaichoError } from "@daicho/core";
import type { MapStore } from "@daicho/core/map";
import {
  type Node,
  type NodeId,
  nodeEnd,
  nodePosition,
  type StoredCheckpoint,
  type TreeStore,
} from "@daicho/core/merkle";
import Database from "better-sqlite3";
import { sqliteError } from "./errors";
import { checkTailRecords, SqliteMapStore } from "./map-store";
import { acquireReadOnly } from "./read-only";
import { MAP_TABLES } from "./schema";

/**
 * Tree tables, kept apart from the event tables (which they never touch) so they can
 * live in the ledger's own file or in a file of their own. Nodes are keyed by their
 * in-order position (`nodePosition`), one integer, so the table is a plain rowid B-tree.
 */
const TREE_SCHEMA = `
  CREATE TABLE IF NOT EXISTS daicho_tree_state (
    id     INTEGER PRIMARY KEY CHECK (id = 0),
    schema INTEGER NOT NULL,
    size   INTEGER NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS daicho_tree_nodes (
    pos  INTEGER PRIMARY KEY,
    hash BLOB NOT NULL
  ) STRICT;
  CREATE TABLE IF NOT EXISTS daicho_checkpoints (
    size       INTEGER PRIMARY KEY,
    note       TEXT NOT NULL,
    created_at TEXT NOT NULL
  ) STRICT;
  INSERT OR IGNORE INTO daicho_tree_state (id, schema, size) VALUES (0, 1, 0);
  ${MAP_TABLES}
`;

export interface SqliteTreeStoreOptions {
  /**
   * Open as evidence, never writing (see `acquireReadOnly` for the rule); a file without
   * tree tables reads as an empty tree. NOT_FOUND when the file does not exist.
   */
  readonly readonly?: boolean;
  /**
   * `normal` (default): the tree is derived data, so a commit lost on power failure is
   * rebuilt by the next catch-up. `full` fsyncs every commit.
   */
  readonly synchronous?: "full" | "normal";
  /** How long a writer waits for another process's lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
  /**
   * Subject-map records kept in the map's tail (recent versions, one row each) before a
   * checkpoint merges them into the indexed table (default `MAP_TAIL_RECORDS`, 131,072;
   * 0 writes every version straight into the indexed table). Larger: cheaper checkpoints
   * between merges, more decoded on a process's first map read.
   */
  readonly mapTailRecords?: number;
}

/**
 * A `TreeStore` in a SQLite file: usually the ledger's own file, beside the event tables.
 * `append` checks the stored size and writes nodes and size in one IMMEDIATE transaction,
 * so several processes may extend the same tree safely. Its `map` is the file's durable
 * subject map (`SqliteMapStore`, same connection), absent when a read-only file predates
 * the map tables.
 */
export function sqliteTreeStore(path: string, options: SqliteTreeStoreOptions = {}): TreeStore {
  return new SqliteTreeStore(path, options);
}

type CheckpointRow = { size: number; note: string; created_at: string };

class SqliteTreeStore implements TreeStore {
  readonly kind = "sqlite";
  readonly map?: MapStore;
  private readonly db: Database.Database;
  private readonly hasTables: boolean;
  private readonly stmts: ReturnType<typeof prepare> | undefined;
  private readonly release: () => void;
  private closed = false;

  constructor(
    private readonly path: string,
    options: SqliteTreeStoreOptions,
  ) {
    const readonly = options.readonly === true;
    // Checked before any connection is opened, so a bad option leaks none.
    if (options.mapTailRecords !== undefined) checkTailRecords(options.mapTailRecords);
    const shared = readonly ? acquireReadOnly(path) : undefined;
    this.release = () => (shared === undefined ? this.db.close() : shared.release());
    try {
      this.db = shared?.db ?? new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
      if (!readonly) {
        this.db.pragma("journal_mode = WAL");
        this.db.pragma(`synchronous = ${options.synchronous === "full" ? "FULL" : "NORMAL"}`);
        this.db.transaction(() => this.db.exec(TREE_SCHEMA)).immediate();
      }
      this.hasTables =
        this.db
          .prepare(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'daicho_tree_state'",
          )
          .get() !== undefined;
      this.stmts = this.hasTables ? prepare(this.db) : undefined;
      const hasMap =
        this.db
          .prepare(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'daicho_map_records'",
          )
          .get() !== undefined;
      if (hasMap) this.map = new SqliteMapStore(this.db, path, readonly, options.mapTailRecords);
    } catch (e) {
      shared?.release();
      throw sqliteError(e, path);
    }
  }

  async size(): Promise<number> {
    return this.guard((s) => (s === undefined ? 0 : readSize(s)));
  }

  async append(nodes: readonly Node[], expectedSize: number, newSize: number): Promise<void> {
    if (newSize < expectedSize)
      throw new DaichoError("INVALID_ARGUMENT", "a tree never shrinks", { path: "newSize" });
    this.guard((s) => {
      if (s === undefined)
        throw new DaichoError("STORE_UNAVAILABLE", "the tree store is read-only", {
          path: this.path,
        });
      this.db
        .transaction(() => {
          const current = readSize(s);
          if (current !== expectedSize) {
            throw new DaichoError("CONCURRENCY_CONFLICT", "the tree grew since it was read", {
              retryable: true,
              details: { expected: expectedSize, actual: current },
            });
          }
          for (const n of nodes) s.putNode.run(nodePosition(n), n.hash);
          s.setSize.run(newSize);
        })
        .immediate();
    });
  }

  async readNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    return this.guard((s) => {
      if (s === undefined) return ids.length === 0 ? [] : beyond(ids[0] as NodeId, 0);
      // One read transaction: the size and every node come from one snapshot, and SQLite
      // takes its read lock once instead of per node (about 2× on an 8,000-node
      // multi-proof; docs/benchmarks.md "extract").
      return this.db.transaction(() => {
        const size = readSize(s);
        return ids.map((id) => {
          if (nodeEnd(id) > size) return beyond(id, size);
          const row = s.getNode.get(nodePosition(id)) as [Buffer] | undefined;
          const hash = row?.[0];
          if (hash === undefined || hash.length !== 32) {
            throw new DaichoError(
              "STORE_CORRUPT",
              `tree node ${id.level}/${id.index} is missing or damaged`,
              { path: this.path },
            );
          }
          // A plain view on the row's own 32 bytes, not a copy (one allocation per node, not
          // two: the garbage of a 13,000-node proof showed in the build's time); a copy if
          // the driver ever hands out a slice of a shared pool.
          return hash.byteOffset === 0 && hash.buffer.byteLength === 32
            ? new Uint8Array(hash.buffer)
            : new Uint8Array(hash);
        });
      })();
    });
  }

  async nodeCount(): Promise<number> {
    return this.guard((s) => (s === undefined ? 0 : (s.nodeCount.get() as { n: number }).n));
  }

  async putCheckpoint(c: StoredCheckpoint): Promise<void> {
    this.guard((s) => {
      if (s === undefined)
        throw new DaichoError("STORE_UNAVAILABLE", "the tree store is read-only", {
          path: this.path,
        });
      s.putCheckpoint.run(c.size, c.note, c.createdAt);
    });
  }

  async getCheckpoint(size: number): Promise<StoredCheckpoint | undefined> {
    return this.guard((s) => toCheckpoint(s?.getCheckpoint.get(size) as CheckpointRow | undefined));
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.guard((s) => toCheckpoint(s?.latestCheckpoint.get() as CheckpointRow | undefined));
  }

  async listCheckpoints(
    range: { from?: number; to?: number; limit?: number } = {},
  ): Promise<StoredCheckpoint[]> {
    return this.guard((s) => {
      if (s === undefined) return [];
      const rows = s.listCheckpoints.all(
        range.from ?? 0,
        range.to ?? Number.MAX_SAFE_INTEGER,
        range.limit ?? 1000,
      ) as CheckpointRow[];
      return rows.map((r) => toCheckpoint(r) as StoredCheckpoint);
    });
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.map?.close();
    this.release();
  }

  private guard<A>(f: (s: ReturnType<typeof prepare> | undefined) => A): A {
    if (this.closed || !this.db.open)
      throw new DaichoError("STORE_CLOSED", "tree store is closed", { path: this.path });
    try {
      return f(this.stmts);
    } catch (e) {
      throw sqliteError(e, this.path);
    }
  }
}

function prepare(db: Database.Database) {
  return {
    size: db.prepare("SELECT size FROM daicho_tree_state WHERE id = 0"),
    setSize: db.prepare("UPDATE daicho_tree_state SET size = ? WHERE id = 0"),
    putNode: db.prepare("INSERT OR REPLACE INTO daicho_tree_nodes (pos, hash) VALUES (?, ?)"),
    // Raw rows (arrays): no per-row object on the proof-reading path.
    getNode: db.prepare("SELECT hash FROM daicho_tree_nodes WHERE pos = ?").raw(true),
    nodeCount: db.prepare("SELECT count(*) AS n FROM daicho_tree_nodes"),
    putCheckpoint: db.prepare(
      "INSERT INTO daicho_checkpoints (size, note, created_at) VALUES (?, ?, ?) ON CONFLICT (size) DO UPDATE SET note = excluded.note",
    ),
    getCheckpoint: db.prepare(
      "SELECT size, note, created_at FROM daicho_checkpoints WHERE size = ?",
    ),
    latestCheckpoint: db.prepare(
      "SELECT size, note, created_at FROM daicho_checkpoints ORDER BY size DESC LIMIT 1",
    ),
    listCheckpoints: db.prepare(
      "SELECT size, note, created_at FROM daicho_checkpoints WHERE size >= ? AND size < ? ORDER BY size LIMIT ?",
    ),
  };
}

function beyond(id: NodeId, size: number): never {
  throw new DaichoError("NOT_FOUND", `node ${id.level}/${id.index} lies beyond tree size ${size}`);
}

function readSize(s: ReturnType<typeof prepare>): number {
  const row = s.size.get() as { size: number } | undefined;
  return row?.size ?? 0;
}

function toCheckpoint(row: CheckpointRow | undefined): StoredCheckpoint | undefined {
  return row === undefined
    ? undefined
    : { size: row.size, note: row.note, createdAt: row.created_at };
}
