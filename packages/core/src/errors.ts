/**
 * One tagged error family for the whole library. Pure functions return
 * `Either<DaichoError, A>`; the async façade rejects with the same values.
 * Messages never contain plaintext personal data: callers pass paths and reasons,
 * never the offending value.
 */
export type DaichoErrorCode =
  | "DECODE_ERROR"
  | "PAYLOAD_TOO_LARGE"
  | "CANONICALIZATION_ERROR"
  | "CONCURRENCY_CONFLICT"
  | "DUPLICATE_EVENT"
  | "LEDGER_MISMATCH"
  | "STORE_CORRUPT"
  | "STORE_UNAVAILABLE"
  | "STORE_CLOSED"
  | "NOT_FOUND"
  | "INVALID_ARGUMENT"
  | "PROOF_INVALID"
  | "CHECKPOINT_INVALID"
  | "SIGNATURE_INVALID"
  | "BUNDLE_INVALID"
  | "KEY_UNAVAILABLE"
  | "KEY_ERASED"
  | "CIPHERTEXT_TAMPERED"
  | "WRONG_KEK"
  | "LEGAL_HOLD"
  | "ALREADY_ERASED"
  /** Erasure refused under a GDPR Art. 17(3) exemption such as a legal retention obligation. */
  | "ERASURE_EXEMPT"
  | "BACKUP_INVALID"
  /** A data-subject request or incident is already closed (refused, completed): nothing recorded. */
  | "REQUEST_CLOSED"
  /** A request that discloses or changes data was to be completed before the requester's identity was verified. */
  | "IDENTITY_UNVERIFIED"
  /** An action was decided on a view of an item that changed since (someone acted first): reload; nothing recorded. */
  | "STALE_VIEW"
  /** A worker thread of the append pool died mid-batch: nothing was appended; append again. */
  | "WORKER_FAILED"
  /** The store is behind a head the caller holds (a read replica still catching up): nothing was checked; retry. */
  | "NOT_CAUGHT_UP";

export interface DaichoErrorOptions {
  /** Where the problem is: a JSON path such as `payload.fields[2]`, a sequence number, a file. */
  readonly path?: string;
  /** True when the same call may succeed if tried again (lock contention, server restart). */
  readonly retryable?: boolean;
  readonly cause?: unknown;
  /** Further machine-readable detail; never personal values. */
  readonly details?: Readonly<Record<string, unknown>>;
}

export class DaichoError extends Error {
  readonly _tag = "DaichoError" as const;
  readonly code: DaichoErrorCode;
  readonly path: string | undefined;
  readonly reason: string;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(code: DaichoErrorCode, reason: string, options: DaichoErrorOptions = {}) {
    super(
      options.path === undefined ? `${code}: ${reason}` : `${code} at ${options.path}: ${reason}`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.name = "DaichoError";
    this.code = code;
    this.path = options.path;
    this.reason = reason;
    this.retryable = options.retryable ?? false;
    this.details = options.details;
  }

  toJSON(): Record<string, unknown> {
    return {
      code: this.code,
      path: this.path,
      reason: this.reason,
      retryable: this.retryable,
      details: this.details,
    };
  }
}

/** Type guard for `DaichoError`, optionally of one code. */
export function isDaichoError(e: unknown, code?: DaichoErrorCode): e is DaichoError {
  return e instanceof DaichoError && (code === undefined || e.code === code);
}

/** Convenience constructor so call sites read `daichoError("NOT_FOUND", "…")`. */
export function daichoError(
  code: DaichoErrorCode,
  reason: string,
  options?: DaichoErrorOptions,
): DaichoError {
  return new DaichoError(code, reason, options);
}

/**
 * `LEDGER_MISMATCH` for a store or snapshot that holds another ledger than the one asked
 * for. The message names both ledger ids (operator-chosen names, never personal data),
 * so whoever reads it sees which store is which and how to fix the call.
 */
export function ledgerMismatch(
  holder: "store" | "snapshot",
  held: string,
  requested: string,
): DaichoError {
  return new DaichoError(
    "LEDGER_MISMATCH",
    `the ${holder} holds ledger "${held}", not "${requested}": open it with ledgerId ` +
      `"${held}", or use the ${holder} of "${requested}"`,
    { details: { stored: held, requested } },
  );
}
