import { existsSync } from "node:fs";
import { DaichoError, decodeWith } from "@daicho/core";
import {
  assertRewrapFrom,
  assertSameKek,
  type KekCheck,
  type KeyStore,
  type KeyTombstone,
  type WrappedKeyRecord,
} from "@daicho/core/keys";
import Database from "better-sqlite3";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { sqliteError } from "../sqlite/errors";
import { KEY_MIGRATIONS } from "./schema";

/**
 * A tombstone's `key_ids` column: JSON text of an array of key ids. Anything else was
 * written outside the library, so it is STORE_CORRUPT (the subject is not named).
 */
function storedKeyIds(text: string): string[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  const decoded = decodeWith(KeyIds, value, "key_ids");
  if (E.isLeft(decoded)) {
    throw new DaichoError(
      "STORE_CORRUPT",
      "a tombstone in the key store names its erased keys malformed: it was edited outside the library; restore the key store from a backup",
      { path: "key_ids" },
    );
  }
  return decoded.right;
}

const KeyIds = t.array(t.string);

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
  provisional: number;
};

/**
 * A `KeyStore` in its own SQLite file (never the ledger's). Destruction leaves no copy of
 * a destroyed record in any file the store writes (`residue: "none"`, docs/erasure.md):
 *
 * - the file runs with a **rollback journal** (`journal_mode = DELETE`), not WAL: a
 *   transaction copies the pages it changes into `keys.db-journal` and the commit deletes
 *   that file, so no log keeps an old page once `destroy` resolves — not when another
 *   process holds the file open, not when this process is killed right after;
 * - `secure_delete` zeroes the freed content in `keys.db` itself, and temporary files are
 *   kept in memory.
 *
 * Several processes may share the file (SQLite file locks; a writer waits up to
 * `busyTimeoutMs` for readers). Opening a file an older version left in WAL mode
 * switches it to the rollback journal, folding and deleting `keys.db-wal` and
 * `keys.db-shm`; while another process holds that file open in WAL mode, opening fails
 * with `STORE_UNAVAILABLE` (stop or upgrade that process), and `destroy` refuses to run
 * on a file switched back to WAL (nothing is destroyed; the fence already refuses the
 * keys, and a retry completes). Opening refuses a path that is the ledger's own file.
 */
export function sqliteKeyStore(path: string, options: SqliteKeyStoreOptions = {}): KeyStore {
  return new SqliteKeyStore(path, options);
}

class SqliteKeyStore implements KeyStore {
  readonly kind = "sqlite";
  readonly residue = "none";
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
      this.db.pragma("temp_store = MEMORY");
      useRollbackJournal(this.db, path);
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
          const check = this.stmts.getCheck.get() as { kek_id: string } | undefined;
          assertSameKek(check?.kek_id, record.kekId);
          const existing = this.stmts.bySubject.get(record.subject) as KeyRow | undefined;
          if (existing !== undefined) return toRecord(existing);
          this.stmts.insert.run(
            record.keyId,
            record.subject,
            record.kekId,
            Buffer.from(record.wrapped),
            record.createdAt,
            record.provisional === true ? 1 : 0,
          );
          return record;
        })
        .immediate(),
    );
  }

  async confirm(subject: string, keyId: string): Promise<boolean> {
    return this.guard(() => this.stmts.confirm.run(subject, keyId).changes === 1);
  }

  async discardProvisional(subject: string, keyId: string): Promise<boolean> {
    return this.guard(() => this.stmts.discard.run(subject, keyId).changes === 1);
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
          // Under the write lock no process can switch the file to WAL until this commits.
          assertRollbackJournal(this.db, this.path);
          const keyIds = (this.stmts.allBySubject.all(subject) as KeyRow[]).map((r) => r.key_id);
          this.stmts.deleteSubject.run(subject);
          this.stmts.insertTomb.run(subject, JSON.stringify(keyIds), erasedAt);
          return { destroyed: keyIds };
        })
        .immediate(),
    );
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
    return n;
  }

  async count(): Promise<number> {
    return this.guard(() => (this.stmts.count.get() as { n: number }).n);
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }

  private tombstone(subject: string): KeyTombstone | undefined {
    const row = this.stmts.getTomb.get(subject) as
      | { subject: string; key_ids: string; erased_at: string }
      | undefined;
    return row === undefined
      ? undefined
      : {
          subject: row.subject,
          keyIds: storedKeyIds(row.key_ids),
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

/**
 * Put the file in rollback-journal mode. A file an older version left in WAL mode is
 * folded and its `-wal`/`-shm` deleted by SQLite; that needs every other connection closed.
 */
function useRollbackJournal(db: Database.Database, path: string): void {
  let mode: unknown;
  try {
    mode = db.pragma("journal_mode = DELETE", { simple: true });
  } catch (e) {
    if (!String((e as { code?: string }).code).startsWith("SQLITE_BUSY")) throw e;
  }
  if (mode !== "delete") {
    db.close();
    throw walInUse(path);
  }
}

/** Refuse to destroy on a file another process has switched back to WAL. */
function assertRollbackJournal(db: Database.Database, path: string): void {
  if (db.pragma("journal_mode", { simple: true }) !== "delete") throw walInUse(path);
}

function walInUse(path: string): DaichoError {
  return new DaichoError(
    "STORE_UNAVAILABLE",
    "the key file is in WAL mode, held open by a process running an older Daichō: stop or upgrade it, then try again (a WAL would keep destroyed keys)",
    { path, retryable: true },
  );
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
  const cols = "key_id, subject, kek_id, wrapped, created_at, provisional";
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
    insert: db.prepare(`INSERT INTO daicho_data_keys (${cols}) VALUES (?, ?, ?, ?, ?, ?)`),
    // Sets nothing when already permanent, yet counts the row: `changes` is 1 when the key exists.
    confirm: db.prepare(
      "UPDATE daicho_data_keys SET provisional = 0 WHERE subject = ? AND key_id = ?",
    ),
    discard: db.prepare(
      "DELETE FROM daicho_data_keys WHERE subject = ? AND key_id = ? AND provisional = 1",
    ),
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
    ...(row.provisional === 1 ? { provisional: true } : {}),
  };
}
