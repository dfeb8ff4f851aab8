import {
  chmodSync,
  closeSync,
  copyFileSync,
  existsSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  realpathSync,
  rmSync,
  type Stats,
  statSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DaichoError } from "@daicho/core";
import Database from "better-sqlite3";
import { sqliteError } from "./errors";

/**
 * Opening a SQLite ledger as evidence: never writing a byte of it, never creating a file
 * beside it, taking no write lock, and working on read-only media. SQLite's own read-only
 * mode is not enough: on a WAL-mode file without a `-wal` it creates `-wal` and `-shm`
 * (and leaves them behind, or fails in a read-only directory), and `immutable=1` ignores
 * a `-wal`'s committed content and is unsafe while another process writes (nor does the
 * bundled better-sqlite3 accept URI file names). The rule (docs/operations.md "Read-only
 * evidence"):
 *
 * 1. A `-journal` beside the file: refused. It is a rollback journal of an unfinished
 *    transaction, and reading the file correctly means rolling it back, which writes.
 * 2. A `-wal` and a `-shm` beside the file (a process has the ledger open, or the last one
 *    stopped without cleaning up): the WAL may hold committed events, so the file is read
 *    through SQLite's read-only mode with normal locking, which reads the WAL through the
 *    existing `-shm` index. Nothing is created; the ledger file and the WAL are never
 *    written (a reader records its read marks in `-shm`, a shared-memory index).
 * 3. A non-empty `-wal` without a `-shm`: refused, since reading it needs a new `-shm`.
 * 4. Otherwise nothing beside the file holds content: the file alone is the ledger. A
 *    private copy is opened: in memory for files up to 256 MiB (SQLite deserialize;
 *    `DAICHO_EVIDENCE_IN_MEMORY_BYTES` changes the limit), else
 *    a copy in a fresh private directory under the system's temporary directory (or
 *    `DAICHO_EVIDENCE_TMPDIR`), removed on close — the auditor's own disk, never beside the
 *    evidence — so memory stays flat however large the ledger. The copy's WAL flag is
 *    cleared, so SQLite looks for no `-wal`. If the file's size, mtime or inode changed
 *    while it was copied, or a `-wal` appeared, it is copied again, up to three times,
 *    then refused.
 *
 * Connections are shared per file within the process (the event store and the tree store
 * read the same copy), and released when the last user closes.
 */
export interface ReadOnlyDatabase {
  readonly db: Database.Database;
  release(): void;
}

/**
 * Files up to this size are copied into memory; larger ones into a temporary file.
 * `DAICHO_EVIDENCE_IN_MEMORY_BYTES` overrides it (0: always a temporary file).
 */
function inMemoryLimit(): number {
  const set = Number(process.env.DAICHO_EVIDENCE_IN_MEMORY_BYTES);
  return Number.isSafeInteger(set) && set >= 0 && process.env.DAICHO_EVIDENCE_IN_MEMORY_BYTES !== ""
    ? set
    : 256 * 2 ** 20;
}

interface Opened {
  readonly db: Database.Database;
  /** The private temporary directory holding the copy, when there is one. */
  readonly temp?: string;
}

const open = new Map<string, { db: Database.Database; temp?: string; users: number }>();

/** Open `path` read-only by the rule above; share the connection with other users of it. */
export function acquireReadOnly(path: string): ReadOnlyDatabase {
  const key = identify(path);
  let entry = open.get(key);
  if (entry === undefined || !entry.db.open) {
    entry = { ...openEvidence(path), users: 0 };
    open.set(key, entry);
  }
  entry.users++;
  const held = entry;
  let released = false;
  return {
    db: held.db,
    release() {
      if (released) return;
      released = true;
      held.users--;
      if (held.users > 0) return;
      if (open.get(key) === held) open.delete(key);
      if (held.db.open) held.db.close();
      if (held.temp !== undefined) rmSync(held.temp, { recursive: true, force: true });
    },
  };
}

function identify(path: string): string {
  let stats: Stats;
  try {
    stats = statSync(path);
  } catch (e) {
    throw new DaichoError("NOT_FOUND", "ledger file does not exist", { path, cause: e });
  }
  if (stats.isDirectory()) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "this is a directory: name the ledger file in it (for example ledger.db)",
      { path },
    );
  }
  return realpathSync(path);
}

const sizeOf = (path: string) => (existsSync(path) ? statSync(path).size : undefined);

function openEvidence(path: string): Opened {
  if (existsSync(`${path}-journal`)) {
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      "a rollback journal (-journal) lies beside the ledger: a transaction did not finish. Reading it safely means rolling it back, which writes; let the operator open the ledger once, or verify a copy of both files in a directory you can write",
      { path },
    );
  }
  const wal = sizeOf(`${path}-wal`);
  const shm = existsSync(`${path}-shm`);
  if (wal !== undefined && shm) return { db: openLive(path) };
  if (wal !== undefined && wal > 0) {
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      "the ledger's -wal holds events not yet in the main file, and there is no -shm index beside it; reading the WAL would create one. Let the operator open and close the ledger once (which folds the WAL in), or copy ledger.db and ledger.db-wal to a directory you can write and verify the copy",
      { path },
    );
  }
  return openSnapshot(path, wal);
}

/** Rule 2: SQLite read-only with normal locking, through the existing -wal and -shm. */
function openLive(path: string): Database.Database {
  try {
    return new Database(path, { readonly: true, fileMustExist: true });
  } catch (e) {
    const code = (e as { code?: string }).code ?? "";
    if (code.startsWith("SQLITE_READONLY") || code === "SQLITE_CANTOPEN") {
      throw new DaichoError(
        "STORE_UNAVAILABLE",
        "cannot read the ledger's -wal through its -shm index (it may belong to another user); verify while the writing application runs, or copy the ledger files to a directory you can write",
        { path, cause: e, details: { sqlite: code } },
      );
    }
    throw sqliteError(e, path);
  }
}

/** Rule 4: a private copy (in memory, or in a temporary file) of a file nothing beside it completes. */
function openSnapshot(path: string, wal: number | undefined): Opened {
  for (let attempt = 0; attempt < 3; attempt++) {
    const before = statSync(path);
    const copy = before.size <= inMemoryLimit() ? memoryCopy(path) : fileCopy(path);
    const after = statSync(path);
    const unchanged =
      before.size === after.size &&
      before.mtimeMs === after.mtimeMs &&
      before.ino === after.ino &&
      copy.size === after.size &&
      sizeOf(`${path}-wal`) === wal;
    if (!unchanged) {
      copy.discard();
      continue;
    }
    try {
      return copy.open();
    } catch (e) {
      copy.discard();
      throw sqliteError(e, path);
    }
  }
  throw new DaichoError(
    "STORE_UNAVAILABLE",
    "the ledger file kept changing while it was read; verify a copy, or run again when it is idle",
    { path, retryable: true },
  );
}

interface Copy {
  readonly size: number;
  open(): Opened;
  discard(): void;
}

// Bytes 18 and 19 are SQLite's read/write format versions: 2 = WAL. The copy is read in
// rollback mode, so SQLite looks for no -wal; the page contents are untouched.
const isWalHeader = (b: Uint8Array) => b.length >= 100 && b[18] === 2 && b[19] === 2;

function memoryCopy(path: string): Copy {
  const bytes = readFileSync(path);
  return {
    size: bytes.length,
    open() {
      if (isWalHeader(bytes)) {
        bytes[18] = 1;
        bytes[19] = 1;
      }
      return { db: new Database(bytes, { readonly: true }) };
    },
    discard() {},
  };
}

function fileCopy(path: string): Copy {
  const temp = mkdtempSync(
    join(process.env.DAICHO_EVIDENCE_TMPDIR ?? tmpdir(), "daicho-evidence-"),
  );
  const target = join(temp, "ledger.db");
  const discard = () => rmSync(temp, { recursive: true, force: true });
  try {
    copyFileSync(path, target);
    chmodSync(target, 0o600); // the copy keeps the evidence's mode, often read-only
  } catch (e) {
    discard();
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      "cannot copy the ledger to a private temporary file for reading; set DAICHO_EVIDENCE_TMPDIR to a directory with room for one copy of the ledger",
      { path, cause: e },
    );
  }
  return {
    size: statSync(target).size,
    open() {
      const head = Buffer.alloc(100);
      const fd = openSync(target, "r+");
      try {
        readSync(fd, head, 0, 100, 0);
        if (isWalHeader(head)) writeSync(fd, Buffer.from([1, 1]), 0, 2, 18);
      } finally {
        closeSync(fd);
      }
      return { db: new Database(target, { readonly: true, fileMustExist: true }), temp };
    },
    discard,
  };
}
