import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { DaichoError } from "@daicho/core";

/** Map a better-sqlite3 error onto the library's typed errors. */
export function sqliteError(e: unknown, path: string): DaichoError {
  if (e instanceof DaichoError) return e;
  const code = (e as { code?: string }).code ?? "";
  const missing = code === "" || code === "SQLITE_CANTOPEN" ? missingDirectory(path) : undefined;
  if (missing !== undefined) {
    // better-sqlite3 throws a code-less TypeError here; SQLite never creates directories.
    return new DaichoError("NOT_FOUND", `directory ${missing} does not exist: create it first`, {
      path,
      cause: e,
    });
  }
  if (code === "SQLITE_NOTADB" || code.startsWith("SQLITE_CORRUPT")) {
    return new DaichoError(
      "STORE_CORRUPT",
      "file is not a readable Daichō ledger (corrupt or truncated)",
      {
        path,
        cause: e,
        details: { sqlite: code },
      },
    );
  }
  // A ledger file whose tables are gone is damaged evidence, not a usage error.
  if (code === "SQLITE_ERROR" && /^no such (table|column)/.test((e as Error).message ?? "")) {
    return new DaichoError(
      "STORE_CORRUPT",
      "the ledger file lacks a table or column Daichō needs",
      {
        path,
        cause: e,
        details: { sqlite: code },
      },
    );
  }
  if (code.startsWith("SQLITE_BUSY") || code.startsWith("SQLITE_LOCKED")) {
    return new DaichoError("STORE_UNAVAILABLE", "database is locked by another writer", {
      path,
      retryable: true,
      cause: e,
      details: { sqlite: code },
    });
  }
  if (code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY") {
    return new DaichoError("DUPLICATE_EVENT", "event id or sequence number is already recorded", {
      path,
      cause: e,
    });
  }
  if (code === "SQLITE_CANTOPEN") {
    return new DaichoError("NOT_FOUND", "cannot open the ledger file", { path, cause: e });
  }
  return new DaichoError("STORE_UNAVAILABLE", `SQLite error ${code || "(unknown)"}`, {
    path,
    cause: e,
    details: { sqlite: code },
  });
}

/** The directory a file path would live in, when that directory does not exist. */
function missingDirectory(path: string): string | undefined {
  if (path === "" || path === ":memory:") return undefined;
  const dir = dirname(resolve(path));
  return existsSync(dir) ? undefined : dir;
}
