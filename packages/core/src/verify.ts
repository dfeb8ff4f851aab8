import { eventHash } from "./chain";
import { fullFormProblem } from "./envelope/v2-body";
import { V2_SUFFIX } from "./envelope/v2-hash";
import { DaichoError } from "./errors";
import type { StoredEvent } from "./events/envelope";
import { SubjectTallies } from "./subject-tallies";

/** What is wrong at the first broken sequence number. */
export type VerifyFailureKind =
  /** The stored bytes no longer hash to the stored hash, or the event was rewritten and re-hashed. */
  | "content-changed"
  /** A sequence number is absent: the event was deleted. */
  | "event-missing"
  /** Events are stored out of sequence: moved or swapped. */
  | "order-changed"
  /** Two events claim the same position, or event 0 does not start from this ledger's genesis. */
  | "chain-forked"
  /** A per-subject back-link does not point at the previous event about that subject. */
  | "subject-link-broken"
  /** The stored bytes are not an event at all. */
  | "malformed"
  /**
   * A stored copy of a body member (the `seq`, `id`, `type`, `recordedAt`, `subjects` or
   * `prevHash` column) differs from the hashed body (docs/spec.md §11).
   */
  | "column-mismatch"
  /**
   * The store's subject index or its stored head disagrees with the hashed bodies: a row
   * missing, added or pointing elsewhere (docs/spec.md §11).
   */
  | "index-mismatch"
  /** A stored Merkle tree node or the stored tree size is not what the events give (§7.5, §11). */
  | "tree-mismatch"
  /**
   * A stored checkpoint does not match the log (origin, size or root), does not parse, or
   * fails the trust policy's signature check (§8, §11).
   */
  | "checkpoint-mismatch"
  /**
   * A stored subject-map version does not have the map root its checkpoint signs, or its
   * records are missing (spec §12.9).
   */
  | "map-mismatch"
  /** The ledger ends before a head the verifier was told to expect. */
  | "truncated"
  /**
   * The event at the held head's sequence number has another hash: the ledger was rolled
   * back and re-extended, or it is another history under the same ledger id.
   */
  | "head-mismatch";

export interface VerifyFailure {
  readonly seq: number;
  readonly kind: VerifyFailureKind;
  readonly reason: string;
}

/** What a verification covered besides the events' hashes and links. */
export type VerifiedCopy =
  | "columns"
  | "subject-index"
  | "type-index"
  | "head"
  | "tree"
  | "checkpoints"
  | "checkpoint-signatures"
  /** Every stored checkpoint's subject-map line against the map recomputed from the events. */
  | "subject-map"
  /** The root of every stored map version a checkpoint names. */
  | "map-store";

export type VerifyReport =
  | {
      readonly ok: true;
      readonly count: number;
      readonly headSeq: number | null;
      readonly headHash: string | null;
      /** The stored copies checked against the hashed bytes as well (absent: none). */
      readonly checked?: readonly VerifiedCopy[];
    }
  | {
      readonly ok: false;
      /** Events verified before the failure. */
      readonly count: number;
      readonly failure: VerifyFailure;
    };

export interface VerifyOptions {
  /** Called every `progressEvery` events with the number checked so far. */
  readonly onProgress?: (checked: number) => void;
  readonly progressEvery?: number;
  /**
   * A head the auditor already holds (from an earlier run or a checkpoint): the ledger must
   * reach `seq` (else `truncated`) and its event `seq` must have exactly `hash` (else
   * `head-mismatch`). Rejected with `INVALID_ARGUMENT` unless `seq` is a safe non-negative
   * integer and `hash` 64 lower-case hex digits.
   */
  readonly expectHead?: { readonly seq: number; readonly hash: string };
  /** Check per-subject back-links as well (keeps one entry per subject in memory). Default true. */
  readonly subjectLinks?: boolean;
  /**
   * The ledger's envelope version (its metadata, docs/spec.md §13.8): every event's `v`
   * must equal it, else `column-mismatch` at 0 (the metadata disagrees with event 0) or
   * `malformed` at a later event (versions mixed). Left out: the first event read's, so
   * versions are never mixed either way.
   */
  readonly envelopeVersion?: number;
}

/** The members of a body that verification reads. */
export interface ParsedBody {
  /** The envelope version (1, or 2 for docs/spec.md §13). */
  readonly v: number;
  readonly seq: number;
  readonly id: unknown;
  readonly type: unknown;
  readonly recordedAt: unknown;
  readonly prevHash: string;
  readonly subjects: readonly { id: string; prevSeq?: number; prevHash?: string }[];
}

/**
 * Extra checks run on each event after its hash, sequence number, chain link and subject
 * links verified (stored copies, Merkle tree). A returned failure ends verification with
 * it; the hook may return a promise, but only when it has I/O to do.
 */
export type VerifiedEventHook = (
  stored: StoredEvent,
  body: ParsedBody,
) => VerifyFailure | undefined | Promise<VerifyFailure | undefined>;

/** Internal knobs for the store-level verifiers built on `verifyEvents`. */
export interface ChainHooks {
  readonly onVerified?: VerifiedEventHook;
  /** Where the per-subject link state is kept, so a caller can check the index against it. */
  readonly subjects?: SubjectTallies;
  /**
   * Continue after an event already verified (incremental verification, `verifyFrom`):
   * `events` starts at `start.seq + 1`, whose `prevHash` must be `start.hash`; `subjects`
   * then holds the per-subject state as of `start`.
   */
  readonly start?: { readonly seq: number; readonly hash: string };
  /**
   * Where each event's hash is recomputed and its body parsed: by default on this thread
   * (`checkedLocally`); the parallel verifier passes worker threads (`verify-parallel.ts`).
   * Must yield every event of `events`, in order, each with `checkEvent`'s result.
   */
  readonly precheck?: (events: AsyncIterable<StoredEvent>) => AsyncIterable<CheckedEvent>;
}

/** One stored event with its hash recomputed from its bytes and its body parsed. */
export interface CheckedEvent {
  readonly stored: StoredEvent;
  readonly recomputed: string;
  readonly parsed: ParsedBody | undefined;
}

/** The per-event work that does not depend on other events: hash and parse. */
export function checkEvent(stored: StoredEvent): CheckedEvent {
  return { stored, recomputed: eventHash(stored.body), parsed: parseBody(stored.body) };
}

async function* checkedLocally(events: AsyncIterable<StoredEvent>): AsyncIterable<CheckedEvent> {
  for await (const stored of events) yield checkEvent(stored);
}

/**
 * Verify a ledger read in storage order from `events`, starting at sequence 0 whose
 * `prevHash` must be `genesis`. Recomputes every event hash from the stored canonical
 * bytes (docs/spec.md §3), checks sequence continuity, the `prevHash` chain and the
 * per-subject back-links, and reports the first broken sequence number. Memory stays
 * flat in the number of events (one entry per subject for back-link checks).
 */
export function verifyEvents(
  events: AsyncIterable<StoredEvent>,
  genesis: string,
  options: VerifyOptions = {},
): Promise<VerifyReport> {
  return verifyChain(events, genesis, options, {});
}

/** `verifyEvents` with hooks for the verifiers of stored copies (not part of the public API). */
export async function verifyChain(
  events: AsyncIterable<StoredEvent>,
  genesis: string,
  options: VerifyOptions,
  hooks: ChainHooks,
): Promise<VerifyReport> {
  const expect = options.expectHead;
  if (expect !== undefined) assertHeldHead(expect);
  const progressEvery = options.progressEvery ?? 10_000;
  const checkLinks = options.subjectLinks ?? true;
  const subjectHeads = checkLinks ? (hooks.subjects ?? new SubjectTallies()) : undefined;
  const onVerified = hooks.onVerified;
  let version = options.envelopeVersion;
  const iterator = (hooks.precheck ?? checkedLocally)(events)[Symbol.asyncIterator]();
  let expectedSeq = hooks.start === undefined ? 0 : hooks.start.seq + 1;
  let prevHash = hooks.start === undefined ? genesis : hooks.start.hash;
  /** The verified hash of event `expect.seq`, once reached. */
  let hashAtHeld: string | undefined;
  const fail = (seq: number, kind: VerifyFailureKind, reason: string): VerifyReport => ({
    ok: false,
    count: expectedSeq,
    failure: { seq, kind, reason },
  });

  try {
    for (;;) {
      const next = await iterator.next();
      if (next.done) break;
      const { stored, recomputed, parsed } = next.value;
      if (recomputed !== stored.hash) {
        return fail(
          expectedSeq,
          "content-changed",
          "stored bytes do not hash to the stored event hash",
        );
      }
      if (parsed === undefined) {
        return fail(expectedSeq, "malformed", "stored body is not a well-formed event envelope");
      }
      version ??= parsed.v;
      if (parsed.v !== version) {
        // At event 0 the metadata copy disagrees with the hashed `v` (§11.1); later, versions mix.
        return expectedSeq === 0
          ? fail(
              0,
              "column-mismatch",
              `the stored ledger metadata names envelope version ${version}; event 0 is version ${parsed.v}`,
            )
          : fail(
              expectedSeq,
              "malformed",
              `the event has envelope version ${parsed.v} in a version ${version} ledger: versions are never mixed`,
            );
      }
      if (parsed.seq !== expectedSeq) {
        return await classifyOutOfSequence(parsed.seq, expectedSeq, iterator, fail);
      }
      if (parsed.prevHash !== prevHash) {
        if (expectedSeq === 0) {
          return fail(0, "chain-forked", "event 0 does not start from this ledger's genesis hash");
        }
        return {
          ok: false,
          count: expectedSeq - 1,
          failure: {
            seq: expectedSeq - 1,
            kind: "content-changed",
            reason: `event was rewritten: event ${expectedSeq} records a different hash for it`,
          },
        };
      }
      if (subjectHeads !== undefined) {
        for (const link of parsed.subjects) {
          if (!subjectHeads.link(link.id, link.prevSeq, link.prevHash, expectedSeq, recomputed)) {
            return fail(
              expectedSeq,
              "subject-link-broken",
              "a subject back-link does not point at the previous event about that subject",
            );
          }
        }
      }
      if (onVerified !== undefined) {
        let failure = onVerified(stored, parsed);
        if (failure instanceof Promise) failure = await failure;
        if (failure !== undefined) return { ok: false, count: expectedSeq, failure };
      }
      if (expectedSeq === expect?.seq) hashAtHeld = recomputed;
      prevHash = recomputed;
      expectedSeq++;
      if (options.onProgress !== undefined && expectedSeq % progressEvery === 0) {
        options.onProgress(expectedSeq);
      }
    }
  } finally {
    await iterator.return?.();
  }

  options.onProgress?.(expectedSeq);
  const headSeq = expectedSeq === 0 ? null : expectedSeq - 1;
  const headHash = expectedSeq === 0 ? null : prevHash;
  if (expect !== undefined) {
    if (headSeq === null || headSeq < expect.seq) {
      return fail(
        expectedSeq,
        "truncated",
        `ledger ends before the expected head at sequence ${expect.seq}`,
      );
    }
    if (hashAtHeld !== expect.hash) {
      return fail(
        expect.seq,
        "head-mismatch",
        `event ${expect.seq} does not have the held head's hash: the ledger was rolled back and re-extended, or this is another history under the same ledger id`,
      );
    }
  }
  return { ok: true, count: expectedSeq, headSeq, headHash };
}

async function classifyOutOfSequence(
  foundSeq: number,
  expectedSeq: number,
  rest: AsyncIterator<CheckedEvent>,
  fail: (seq: number, kind: VerifyFailureKind, reason: string) => VerifyReport,
): Promise<VerifyReport> {
  if (foundSeq < expectedSeq) {
    return foundSeq === expectedSeq - 1
      ? fail(foundSeq, "chain-forked", `two events claim sequence number ${foundSeq}`)
      : fail(
          expectedSeq,
          "order-changed",
          `event ${foundSeq} is stored after event ${expectedSeq - 1}`,
        );
  }
  // A later sequence number where `expectedSeq` belongs: moved if it appears further on, else deleted.
  for (;;) {
    const next = await rest.next();
    if (next.done) break;
    if (next.value.parsed?.seq === expectedSeq) {
      return fail(expectedSeq, "order-changed", `event ${expectedSeq} is stored out of sequence`);
    }
  }
  return fail(
    expectedSeq,
    "event-missing",
    `event ${expectedSeq} is missing (next stored is ${foundSeq})`,
  );
}

const HEX64 = /^[0-9a-f]{64}$/;

/** A held head is half of a check: both halves must be well-formed before anything is read. */
export function assertHeldHead(head: { readonly seq: unknown; readonly hash: unknown }): void {
  if (typeof head.seq !== "number" || !Number.isSafeInteger(head.seq) || head.seq < 0) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "the held head's seq must be a non-negative integer (the sequence number of the event you verified last)",
      { path: "expectHead.seq" },
    );
  }
  if (typeof head.hash !== "string" || !HEX64.test(head.hash)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "the held head's hash must be 64 lower-case hex digits (the event hash `verify` reported for that seq)",
      { path: "expectHead.hash" },
    );
  }
}

/** The members verification reads from a stored body, or undefined when it is not an envelope. */
export function parseBody(body: string): ParsedBody | undefined {
  let value: unknown;
  try {
    value = JSON.parse(body);
  } catch {
    return undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const v = value as Record<string, unknown>;
  if (v.v !== 1 && v.v !== 2) return undefined;
  if (!Number.isSafeInteger(v.seq) || (v.seq as number) < 0) return undefined;
  // A v2 body is hashed by its parts only when its text ends `,"v":2}` (§3.2, §13.3).
  if (v.v === 2 && (!body.endsWith(V2_SUFFIX) || fullFormProblem(v) !== undefined)) {
    return undefined;
  }
  if (typeof v.prevHash !== "string" || !HEX64.test(v.prevHash)) return undefined;
  const subjects = v.subjects ?? [];
  if (!Array.isArray(subjects)) return undefined;
  for (const s of subjects) {
    if (typeof s !== "object" || s === null || typeof (s as { id?: unknown }).id !== "string") {
      return undefined;
    }
  }
  return {
    v: v.v,
    seq: v.seq as number,
    id: v.id,
    type: v.type,
    recordedAt: v.recordedAt,
    prevHash: v.prevHash,
    subjects: subjects as ParsedBody["subjects"],
  };
}
