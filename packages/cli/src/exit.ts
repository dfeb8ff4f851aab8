import { type DaichoErrorCode, isDaichoError } from "@daicho/core";

/**
 * The exit codes of every `daicho` command, decided here and nowhere else:
 * 0 verified (or the operator command succeeded), 1 the evidence fails verification,
 * 2 usage or input error, 3 not checked yet (a read replica behind the head you hold).
 */
export const EXIT = { ok: 0, evidenceFails: 1, usage: 2, notYet: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/**
 * Error codes that mean "the evidence fails verification" (exit 1): a proof, signature,
 * checkpoint or bundle that does not check, and a ledger file that is damaged or
 * truncated (STORE_CORRUPT: SQLite's "file is not a database", "database disk image is
 * malformed", a missing table). Anything else is a usage or input error (exit 2).
 */
export const EVIDENCE_FAILURE_CODES: ReadonlySet<DaichoErrorCode> = new Set<DaichoErrorCode>([
  "PROOF_INVALID",
  "SIGNATURE_INVALID",
  "CHECKPOINT_INVALID",
  "BUNDLE_INVALID",
  "STORE_CORRUPT",
]);

/** True when `e` says the evidence fails verification (exit 1). */
export function isEvidenceFailure(e: unknown): boolean {
  return isDaichoError(e) && EVIDENCE_FAILURE_CODES.has(e.code);
}

/**
 * The exit code for an error that ended a command: 1 for evidence failures, 3 when the
 * store had not caught up with the head you hold (nothing was checked: retry), else 2.
 */
export function exitCodeOf(e: unknown): ExitCode {
  if (isDaichoError(e, "NOT_CAUGHT_UP")) return EXIT.notYet;
  return isEvidenceFailure(e) ? EXIT.evidenceFails : EXIT.usage;
}

/** The exit code for a verdict. */
export const verdictExit = (ok: boolean): ExitCode => (ok ? EXIT.ok : EXIT.evidenceFails);

/** The exit-code paragraph shown by `daicho --help` (and documented in the auditor guide). */
export const EXIT_CODES_HELP = `Exit codes:
  0  verified (or, for operator commands, done)
  1  the evidence fails verification: a tampered, truncated or damaged ledger file,
     a proof, signature, checkpoint or bundle that does not check
  2  usage or input error: unknown command or option, missing value or file,
     malformed key, hash or number
  3  not checked yet: the ledger (a read replica) is still behind the head you hold
     (--expect-seq) after --wait seconds; nothing was verified, run it again
`;
