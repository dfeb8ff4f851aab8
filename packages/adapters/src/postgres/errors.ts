import { DaichoError } from "@daicho/core";

/** SQLSTATEs raised by the schema's own functions (schema.ts). */
export const SQLSTATE = {
  headMoved: "DA001",
  notInitialised: "DA002",
  appendOnly: "DA003",
  treeMoved: "DA004",
  fenced: "DA006",
} as const;

/** Connection-level failures: the server is down, restarting, or the link broke. */
const UNAVAILABLE_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOENT", // unix socket gone while the server is down
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "57P01", // admin_shutdown
  "57P02", // crash_shutdown
  "57P03", // cannot_connect_now (starting up or shutting down)
  "53300", // too_many_connections
  "40001", // serialization_failure
  "40P01", // deadlock_detected
]);

/**
 * SQLSTATEs that mean the connection settings or the role's grants are wrong: retrying
 * cannot help, so they are `retryable: false`, with what to change.
 */
const CONFIGURATION_CODES: Readonly<
  Record<string, { readonly what: string; readonly fix: string }>
> = {
  "28000": {
    what: "authentication failed",
    fix: "check the role in the connection URL and the server's pg_hba.conf",
  },
  "28P01": {
    what: "authentication failed",
    fix: "check the role and password in the connection URL",
  },
  "3D000": {
    what: "no such database",
    fix: "create the database, or fix its name in the connection URL",
  },
  "42501": {
    what: "permission denied",
    fix:
      "grant the application role its privileges (daicho migrate --grant-to <role>, or " +
      "the reviewable app-role-grants.sql), or connect as a role that has them",
  },
  "3F000": {
    what: "no such schema",
    fix: "run `daicho migrate <url>` (or open with migrate: true), or fix the schema name",
  },
};

const UNAVAILABLE_MESSAGES = [
  "Connection terminated",
  "connection timeout",
  "timeout exceeded when trying to connect",
  "Client has encountered a connection error",
  "Client was closed",
];

/**
 * Map an error from `pg` onto the library's typed errors. A lost connection or a server
 * that is restarting becomes `STORE_UNAVAILABLE` with `retryable: true`; when the
 * connection broke while a commit was in flight the outcome is unknown, which
 * `details.outcome` says, so a caller retries with the same event ids and treats
 * `DUPLICATE_EVENT` as "already recorded".
 */
export function pgError(e: unknown, path: string, inFlightCommit = false): DaichoError {
  if (e instanceof DaichoError) return e;
  const err = e as { code?: string; message?: string; constraint?: string; detail?: string };
  const code = err.code ?? "";
  const message = err.message ?? "";
  if (code === SQLSTATE.headMoved) {
    return new DaichoError("CONCURRENCY_CONFLICT", "the ledger head moved since it was read", {
      path,
      retryable: true,
      details: { actualSeq: err.detail === undefined ? null : Number(err.detail) },
    });
  }
  if (code === SQLSTATE.fenced) {
    // The tenant moved to another server: nothing was written; look it up again and retry there.
    return new DaichoError(
      "STORE_UNAVAILABLE",
      "this server's copy of the tenant is fenced (moved to another server); route the call again through the tenant directory",
      { path, retryable: true, details: { fenced: true } },
    );
  }
  if (code === SQLSTATE.treeMoved) {
    return new DaichoError("CONCURRENCY_CONFLICT", "the tree grew since it was read", {
      path,
      retryable: true,
      details: { actual: err.detail === undefined ? null : Number(err.detail) },
    });
  }
  if (code === "25006") {
    // read_only_sql_transaction: opened read-only, or connected to a standby.
    return new DaichoError("STORE_UNAVAILABLE", "the database connection is read-only", {
      path,
      cause: e,
      details: { pg: code },
    });
  }
  if (code === SQLSTATE.notInitialised) {
    return new DaichoError(
      "NOT_FOUND",
      "ledger is not initialised in this database (or was erased)",
      { path },
    );
  }
  if (code === SQLSTATE.appendOnly) {
    return new DaichoError("INVALID_ARGUMENT", "ledger rows are append-only", { path, cause: e });
  }
  if (code === "23505") {
    if (err.constraint === "events_id_unique") {
      return new DaichoError("DUPLICATE_EVENT", "event id is already recorded", { path, cause: e });
    }
    // Two writers at one sequence number: the head lock makes this unreachable, the key makes it harmless.
    return new DaichoError("CONCURRENCY_CONFLICT", "sequence number is already taken", {
      path,
      retryable: true,
      cause: e,
    });
  }
  if (
    UNAVAILABLE_CODES.has(code) ||
    UNAVAILABLE_MESSAGES.some((m) => message.includes(m)) ||
    code.startsWith("08")
  ) {
    return new DaichoError("STORE_UNAVAILABLE", "PostgreSQL is unreachable or restarting; retry", {
      path,
      retryable: true,
      cause: e,
      details: { pg: code || "connection", ...(inFlightCommit ? { outcome: "unknown" } : {}) },
    });
  }
  const configuration = CONFIGURATION_CODES[code];
  if (configuration !== undefined) {
    return new DaichoError(
      "STORE_UNAVAILABLE",
      `PostgreSQL: ${configuration.what} (${code}: ${message}); ${configuration.fix}`,
      { path, retryable: false, cause: e, details: { pg: code, kind: "configuration" } },
    );
  }
  return new DaichoError(
    "STORE_UNAVAILABLE",
    `PostgreSQL error ${code || "(no code)"}${serverSays(code, message)}`,
    {
      path,
      cause: e,
      details: { pg: code },
    },
  );
}

/**
 * The server's own message, for the reason. Only the message: `detail`, `where` and the
 * query are left out, as they can hold values. Data exceptions (class 22, such as
 * `invalid input syntax for type json: "…"`) can quote a value in the message itself,
 * so theirs is left out too.
 */
function serverSays(code: string, message: string): string {
  if (message === "" || code.startsWith("22")) return "";
  return `: ${message}`;
}
