import { existsSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import {
  assertRewrapFrom,
  type KekCheck,
  type KeyStore,
  type KeyTombstone,
  type WrappedKeyRecord,
} from "@daicho/core/keys";
import Database from "better-sqlite3";
import { sqliteError } from "../sqlite/errors";
import { KEY_MIGRATIONS } from "./schema";

export interface SqliteKeyStoreOptions {
  /** `full` (default) fsyncs every commit; `normal` may lose the last commits on power loss. */
  readonly synchronous?: "full" | "normal";
  /** How long a writer waits for another process's lock, in ms (default 5000). */
  readonly busyTimeoutMs?: number;
}

type KeyRow = {
  key_id: string;
  subject: string;
  kek_id: string;
  wrapped: Buffer;
  created_at: string;
};

/**
 * A `KeyStore` in its own SQLite file (never the ledger's). Destruction is made real on
 * disk: `secure_delete` overwrites freed content, and after every destroy or re-wrap the
 * WAL is checkpointed and truncated so no frame holding an old record survives in the
 * `-wal` file. Opening refuses a path that is the ledger's own file.
 */
export function sqliteKeyStore(path: string, options: SqliteKeyStoreOptions = {}): KeyStore {
  return new SqliteKeyStore(path, options);
}

class SqliteKeyStore implements KeyStore {
  readonly kind = "sqlite";
  private readonly db: Database.Database;
  private readonly stmts: ReturnType<typeof prepare>;

  constructor(
    private readonly path: string,
    options: SqliteKeyStoreOptions,
  ) {
    try {
      const fresh = !existsSync(path);
      this.db = new Database(path, { timeout: options.busyTimeoutMs ?? 5000 });
      if (!fresh && hasTable(this.db, "daicho_events")) {
        this.db.close();
        throw new DaichoError(
          "INVALID_ARGUMENT",
          "keys must not live in the ledger's file: give the key store its own file",
          { path },
        );
      }
      this.db.pragma("secure_delete = ON");
      this.db.pragma("journal_mode = WAL");
      this.db.pragma(`synchronous = ${options.synchronous === "normal" ? "NORMAL" : "FULL"}`);
      migrate(this.db);
      this.stmts = prepare(this.db);
    } catch (e) {
      throw sqliteError(e, path);
    }
  }

  async kekCheck(): Promise<KekCheck | null> {
    return this.guard(() => {
      const row = this.stmts.getCheck.get() as { kek_id: string; check_value: Buffer } | undefined;
      return row === undefined
        ? null
        : { kekId: row.kek_id, check: new Uint8Array(row.check_value) };
    });
  }

  async initKekCheck(check: KekCheck): Promise<KekCheck> {
    this.guard(() => this.stmts.initCheck.run(check.kekId, Buffer.from(check.check)));
    return (await this.kekCheck()) as KekCheck;
  }

  async putIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord | KeyTombstone> {
    return this.guard(() =>
      this.db
        .transaction(() => {
          const tomb = this.tombstone(record.subject);
          if (tomb !== undefined) return tomb;
          const existing = this.stmts.bySubject.get(record.subject) as KeyRow | undefined;
          if (existing !== undefined) return toRecord(existing);
          this.stmts.insert.run(
            record.keyId,
            record.subject,
            record.kekId,
            Buffer.from(record.wrapped),
            record.createdAt,
          );
          return record;
        })
        .immediate(),
    );
  }

  async forSubject(subject: string): Promise<readonly WrappedKeyRecord[] | KeyTombstone> {
    return this.guard(() => {
      const tomb = this.tombstone(subject);
      if (tomb !== undefined) return tomb;
      return (this.stmts.allBySubject.all(subject) as KeyRow[]).map(toRecord);
    });
  }

  async destroy(
    subject: string,
    erasedAt: string,
  ): Promise<{ readonly destroyed: readonly string[] } | KeyTombstone> {
    const result = this.guard(() =>
      this.db
        .transaction(() => {
          const tomb = this.tombstone(subject);
          if (tomb !== undefined) return tomb;
          const keyIds = (this.stmts.allBySubject.all(subject) as KeyRow[]).map((r) => r.key_id);
          this.stmts.deleteSubject.run(subject);
          this.stmts.insertTomb.run(subject, JSON.stringify(keyIds), erasedAt);
          return { destroyed: keyIds };
        })
        .immediate(),
    );
    if ("destroyed" in result) this.truncateWal();
    return result;
  }

  async rewrapAll(
    fromKekId: string,
    rewrap: (r: WrappedKeyRecord) => WrappedKeyRecord,
    check: KekCheck,
  ): Promise<number> {
    const n = this.guard(() =>
      this.db
        .transaction(() => {
          const current = this.stmts.getCheck.get() as { kek_id: string } | undefined;
          assertRewrapFrom(current?.kek_id, fromKekId);
          let count = 0;
          for (const row of this.stmts.all.all() as KeyRow[]) {
            const next = rewrap(toRecord(row));
            this.stmts.update.run(next.kekId, Buffer.from(next.wrapped), row.key_id);
            count++;
          }
          this.stmts.setCheck.run(check.kekId, Buffer.from(check.check));
          return count;
        })
        .immediate(),
    );
    this.truncateWal();
    return n;
  }

  async count(): Promise<number> {
    return this.guard(() => (this.stmts.count.get() as { n: number }).n);
  }

  async close(): Promise<void> {
    if (this.db.open) {
      this.truncateWal();
      this.db.close();
    }
  }

  /**
   * Copy every WAL frame into the main file (where `secure_delete` has zeroed the freed
   * content) and truncate the WAL to zero bytes, so old records do not linger in `-wal`.
   * A reader in another process can block it; it is retried at the next destroy or close.
   */
  private truncateWal(): void {
    try {
      this.db.pragma("wal_checkpoint(TRUNCATE)");
    } catch {
      // Busy: another connection is reading; the next destroy or close retries.
    }
  }

  private tombstone(subject: string): KeyTombstone | undefined {
    const row = this.stmts.getTomb.get(subject) as
      | { subject: string; key_ids: string; erased_at: string }
      | undefined;
    return row === undefined
      ? undefined
      : {
          subject: row.subject,
          keyIds: JSON.parse(row.key_ids) as string[],
          erasedAt: row.erased_at,
        };
  }

  private guard<A>(f: () => A): A {
    if (!this.db.open)
      throw new DaichoError("STORE_CLOSED", "key store is closed", { path: this.path });
    try {
      return f();
    } catch (e) {
      throw sqliteError(e, this.path);
    }
  }
}

function hasTable(db: Database.Database, name: string): boolean {
  return (
    db.prepare("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?").get(name) !==
    undefined
  );
}

function migrate(db: Database.Database): void {
  db.transaction(() => {
    const version = db.pragma("user_version", { simple: true }) as number;
    for (let v = version; v < KEY_MIGRATIONS.length; v++) {
      db.exec(KEY_MIGRATIONS[v] as string);
      db.pragma(`user_version = ${v + 1}`);
    }
  }).immediate();
}

function prepare(db: Database.Database) {
  const cols = "key_id, subject, kek_id, wrapped, created_at";
  return {
    getCheck: db.prepare("SELECT kek_id, check_value FROM daicho_kek_check WHERE id = 1"),
    initCheck: db.prepare(
      "INSERT OR IGNORE INTO daicho_kek_check (id, kek_id, check_value) VALUES (1, ?, ?)",
    ),
    setCheck: db.prepare(
      "INSERT OR REPLACE INTO daicho_kek_check (id, kek_id, check_value) VALUES (1, ?, ?)",
    ),
    bySubject: db.prepare(`SELECT ${cols} FROM daicho_data_keys WHERE subject = ? LIMIT 1`),
    allBySubject: db.prepare(
      `SELECT ${cols} FROM daicho_data_keys WHERE subject = ? ORDER BY created_at, key_id`,
    ),
    all: db.prepare(`SELECT ${cols} FROM daicho_data_keys`),
    insert: db.prepare(`INSERT INTO daicho_data_keys (${cols}) VALUES (?, ?, ?, ?, ?)`),
    update: db.prepare("UPDATE daicho_data_keys SET kek_id = ?, wrapped = ? WHERE key_id = ?"),
    deleteSubject: db.prepare("DELETE FROM daicho_data_keys WHERE subject = ?"),
    getTomb: db.prepare(
      "SELECT subject, key_ids, erased_at FROM daicho_key_tombstones WHERE subject = ?",
    ),
    insertTomb: db.prepare(
      "INSERT INTO daicho_key_tombstones (subject, key_ids, erased_at) VALUES (?, ?, ?)",
    ),
    count: db.prepare("SELECT count(*) AS n FROM daicho_data_keys"),
  };
}

function toRecord(row: KeyRow): WrappedKeyRecord {
  return {
    keyId: row.key_id,
    subject: row.subject,
    kekId: row.kek_id,
    wrapped: new Uint8Array(row.wrapped),
    createdAt: row.created_at,
  };
}
