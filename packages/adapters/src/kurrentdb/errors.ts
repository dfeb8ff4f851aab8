import { DaichoError } from "@daicho/core";

/**
 * How the store reads a failure of the KurrentDB client. The client's own errors carry a
 * string `type` (`CommandError` in its declarations); transport failures can also reach us
 * as a raw grpc-js `ServiceError` (a numeric `code`, no `type`) or a Node.js socket error
 * (a string `code` such as `ECONNRESET`), and all of those mean "the server may not have
 * answered", never "the request is wrong".
 */
export type FailureKind =
  | "conflict" // wrong expected version: the server checked and refused
  | "not-found" // the stream does not exist or is soft-deleted
  | "deleted" // hard-deleted (tombstoned)
  | "too-large" // an append size limit
  | "not-leader" // refused before writing; the client rediscovers the leader
  | "ambiguous" // timeout, outage, cancelled, unknown: a write may or may not have landed
  | "denied"
  | "unsupported"
  | "invalid";

/** grpc status codes (grpc-js `status`) that say nothing about whether a write happened. */
const AMBIGUOUS_GRPC = new Set([1, 2, 4, 10, 13, 14, 15]); // CANCELLED UNKNOWN DEADLINE ABORTED INTERNAL UNAVAILABLE DATA_LOSS
const SOCKET = /^(ECONNREFUSED|ECONNRESET|ETIMEDOUT|EPIPE|ENOTFOUND|EAI_AGAIN|EHOSTUNREACH)$/;

/** Classify any error thrown by the client (or by the in-process fake of it). */
export function failureKind(e: unknown): FailureKind {
  const x = (e ?? {}) as { type?: unknown; code?: unknown };
  switch (x.type) {
    case "wrong-expected-version":
      return "conflict";
    case "stream-not-found":
    case "no-stream":
      return "not-found";
    case "stream-deleted":
    case "stream-tombstoned":
      return "deleted";
    case "maximum-append-size-exceeded":
    case "transaction-max-size-exceeded":
    case "append-record-size-exceeded":
      return "too-large";
    case "not-leader":
      return "not-leader";
    case "access-denied":
      return "denied";
    case "unsupported":
      return "unsupported";
    case "invalid-argument":
    case "invalid-transaction":
      return "invalid";
    case "timeout":
    case "deadline-exceeded":
    case "unavailable":
    case "cancelled":
    case "unknown":
      return "ambiguous";
  }
  if (typeof x.code === "number") return AMBIGUOUS_GRPC.has(x.code) ? "ambiguous" : "invalid";
  if (typeof x.code === "string" && SOCKET.test(x.code)) return "ambiguous";
  return "ambiguous";
}

/**
 * Map a client error onto the library's typed errors. Messages name the stream's role
 * (`events`, `meta`, …), never a subject or event id, and never the connection string.
 */
export function kurrentError(e: unknown, path: string): DaichoError {
  if (e instanceof DaichoError) return e;
  const kind = failureKind(e);
  const details = { kurrent: String((e as { type?: unknown })?.type ?? kindOfCode(e)) };
  switch (kind) {
    case "conflict":
      return new DaichoError("CONCURRENCY_CONFLICT", "the ledger head moved since it was read", {
        path,
        retryable: true,
        cause: e,
      });
    case "deleted":
      return new DaichoError(
        "STORE_CORRUPT",
        "a ledger stream was hard-deleted (tombstoned) in KurrentDB; it cannot be written again: restore the ledger from a backup",
        { path, cause: e, details },
      );
    case "too-large":
      return new DaichoError(
        "PAYLOAD_TOO_LARGE",
        "the append exceeds the KurrentDB server's MaxAppendSize; append smaller batches or raise maxAppendBytes with the server setting",
        { path, cause: e, details },
      );
    case "denied":
      return new DaichoError(
        "STORE_UNAVAILABLE",
        "KurrentDB refused the credentials: the user needs read and write rights on the ledger's streams",
        { path, cause: e, details },
      );
    case "unsupported":
      return new DaichoError(
        "STORE_UNAVAILABLE",
        "this KurrentDB server has no multi-stream append: the KurrentDB store writes events and their index atomically and needs KurrentDB 25.1 or later",
        { path, cause: e, details },
      );
    case "invalid":
      return new DaichoError("STORE_UNAVAILABLE", "KurrentDB rejected the request as invalid", {
        path,
        cause: e,
        details,
      });
    default:
      return new DaichoError(
        "STORE_UNAVAILABLE",
        "KurrentDB is unreachable, timed out or is changing leader; retry",
        { path, retryable: true, cause: e, details },
      );
  }
}

function kindOfCode(e: unknown): string {
  const code = (e as { code?: unknown })?.code;
  return code === undefined ? "unknown" : `code ${String(code)}`;
}

/** `STORE_CORRUPT` for a ledger stream KurrentDB hides events of (soft delete, retention). */
export function hiddenEvents(path: string, reason: string): DaichoError {
  return new DaichoError(
    "STORE_CORRUPT",
    `${reason}; a ledger stream must keep every event: remove $tb, $maxCount and $maxAge from its stream metadata before a scavenge deletes the hidden events (or restore from a backup), then run verify`,
    { path },
  );
}
