import { ENVELOPE_VERSION, type StoredEvent } from "./events/envelope";
import type { Store } from "./store/store";
import {
  type ParsedBody,
  type SubjectTally,
  type VerifiedCopy,
  type VerifiedEventHook,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyReport,
  verifyChain,
} from "./verify";

/**
 * Checks of further stored copies run alongside a store's verification (the Merkle tree
 * and stored checkpoints: `treeCheck` in `@daicho/core/checkpoint`). `onVerified` sees
 * every event whose hash and links verified, in order; `finish` runs once at the end.
 */
export interface StoreCheck {
  readonly covers: readonly VerifiedCopy[];
  readonly onVerified: VerifiedEventHook;
  finish(count: number): Promise<VerifyFailure | undefined>;
}

export interface StoreVerifyOptions extends VerifyOptions {
  /** More stored copies to check in the same pass (see `StoreCheck`). */
  readonly also?: readonly StoreCheck[];
}

/**
 * Verify everything a store answers from, not only the hashed bytes: the chain as
 * `verifyEvents` does, then every stored copy of a body member (the columns
 * `seq`, `id`, `type`, `recordedAt`, `subjects`, `prevHash`), the stored head, and every row
 * of the subject index (`readSubject` and `subjectHeads` answer from it), against the
 * hashed bodies (docs/spec.md §11). The first difference is reported as `column-mismatch`
 * or `index-mismatch` at the sequence number it concerns. Events appended while it runs
 * are left for the next run: verification covers the head the store reported at the start.
 * The index check needs the per-subject state of the link check (`subjectLinks`, default
 * on); memory stays one entry per subject.
 */
export async function verifyStore(
  store: Store,
  genesis: string,
  options: StoreVerifyOptions = {},
): Promise<VerifyReport> {
  const meta = await store.meta();
  if (meta !== null && meta.envelopeVersion !== ENVELOPE_VERSION) {
    return {
      ok: false,
      count: 0,
      failure: {
        seq: 0,
        kind: "column-mismatch",
        reason: `the stored ledger metadata names envelope version ${meta.envelopeVersion}; this ledger's events are version ${ENVELOPE_VERSION}`,
      },
    };
  }
  const claimed = await store.head();
  const subjects = options.subjectLinks === false ? undefined : new Map<string, SubjectTally>();
  const also = options.also ?? [];
  const onVerified: VerifiedEventHook =
    also.length === 0
      ? columnFailure
      : (stored, body) => columnFailure(stored, body) ?? runAll(also, stored, body);
  const range = claimed === null ? {} : { to: claimed.seq + 1 };
  const report = await verifyChain(store.read(range), genesis, options, {
    onVerified,
    ...(subjects === undefined ? {} : { subjects }),
  });
  if (!report.ok) return report;
  const failed = (failure: VerifyFailure): VerifyReport => ({
    ok: false,
    count: report.count,
    failure,
  });
  const head = await headFailure(store, claimed, report);
  if (head !== undefined) return failed(head);
  // Checkpoints first: one beyond the log names a truncation more precisely than the
  // index rows it leaves behind.
  for (const check of also) {
    const f = await check.finish(report.count);
    if (f !== undefined) return failed(f);
  }
  if (subjects !== undefined) {
    const index = await subjectIndexFailure(store, subjects, report.count - 1);
    if (index !== undefined) return failed(index);
  }
  const checked: VerifiedCopy[] = ["columns", "head"];
  if (subjects !== undefined) checked.push("subject-index");
  for (const check of also) checked.push(...check.covers);
  return { ...report, checked };
}

async function runAll(
  checks: readonly StoreCheck[],
  stored: StoredEvent,
  body: ParsedBody,
): Promise<VerifyFailure | undefined> {
  for (const check of checks) {
    let f = check.onVerified(stored, body);
    if (f instanceof Promise) f = await f;
    if (f !== undefined) return f;
  }
  return undefined;
}

/** A stored column that differs from the body member it copies (checked on every event). */
function columnFailure(stored: StoredEvent, body: ParsedBody): VerifyFailure | undefined {
  const column =
    stored.seq !== body.seq
      ? "seq"
      : stored.id !== body.id
        ? "id"
        : stored.type !== body.type
          ? "type"
          : stored.recordedAt !== body.recordedAt
            ? "recordedAt"
            : stored.prevHash !== body.prevHash
              ? "prevHash"
              : sameSubjects(stored.subjects, body.subjects)
                ? undefined
                : "subjects";
  if (column === undefined) return undefined;
  return {
    seq: body.seq,
    kind: "column-mismatch",
    reason: `the stored ${column} column differs from the hashed body: the copy was edited (the body is authoritative)`,
  };
}

function sameSubjects(
  column: readonly string[],
  links: readonly { readonly id: string }[],
): boolean {
  if (column.length !== links.length) return false;
  for (let i = 0; i < column.length; i++)
    if (column[i] !== (links[i] as { id: string }).id) return false;
  return true;
}

/**
 * The stored head must be the last verified event, and nothing may be stored beyond it
 * unless the head moved there meanwhile (another writer appended during the run).
 */
async function headFailure(
  store: Store,
  claimed: { seq: number; hash: string } | null,
  report: Extract<VerifyReport, { ok: true }>,
): Promise<VerifyFailure | undefined> {
  const tip = report.headSeq === null ? null : { seq: report.headSeq, hash: report.headHash };
  if (claimed?.seq !== tip?.seq || claimed?.hash !== tip?.hash) {
    return {
      seq: tip?.seq ?? 0,
      kind: "index-mismatch",
      reason: "the stored head does not name the last stored event",
    };
  }
  const next = (tip?.seq ?? -1) + 1;
  if ((await store.get(next)) === undefined) return undefined;
  const now = await store.head();
  if (now !== null && now.seq >= next) return undefined;
  return {
    seq: next,
    kind: "index-mismatch",
    reason: `an event is stored at ${next}, beyond the stored head`,
  };
}

/**
 * Check the subject index against the verified bodies (docs/spec.md §11): no row may be
 * stray (pointing at no event, or at one whose verified `subjects` does not name the row's
 * subject), and every subject must have exactly as many rows as events name it. Rows are
 * distinct pairs, so these two together make the index equal to the bodies' subjects; the
 * store computes both in one pass each without handing every row to JavaScript.
 */
async function subjectIndexFailure(
  store: Store,
  tally: ReadonlyMap<string, SubjectTally>,
  tip: number,
): Promise<VerifyFailure | undefined> {
  const [stray] = await store.strayIndexRows(tip, 1);
  if (stray !== undefined) {
    return indexFailure(
      stray.seq,
      stray.seq > tip
        ? "a subject-index row points beyond the last stored event"
        : "a subject-index row points at an event that is not about that subject",
    );
  }
  const seen = new Set<string>();
  for await (const { subject, rows } of store.subjectIndexCounts(tip)) {
    const entry = tally.get(subject);
    if (entry === undefined || seen.has(subject)) {
      // Only a store breaking its contract gets here: a non-stray row names a known subject.
      return indexFailure(entry?.first ?? 0, "the store's subject index does not add up");
    }
    seen.add(subject);
    if (rows !== entry.count) {
      return indexFailure(
        await firstMissing(store, subject, entry.seq),
        "a subject-index row is missing: lookups by subject skip this event",
      );
    }
  }
  if (seen.size !== tally.size) {
    let first = Number.POSITIVE_INFINITY;
    for (const [s, t] of tally) if (!seen.has(s) && t.first < first) first = t.first;
    return indexFailure(first, "a subject has no subject-index rows at all");
  }
  return undefined;
}

function indexFailure(seq: number, reason: string): VerifyFailure {
  return { seq, kind: "index-mismatch", reason };
}

/**
 * The first event about `subject` that its index leaves out: the subject's verified
 * back-links walked from its latest event, against what `readSubject` (the index) returns.
 * Only on the failure path.
 */
async function firstMissing(store: Store, subject: string, latest: number): Promise<number> {
  const have = new Set<number>();
  try {
    for await (const e of store.readSubject(subject)) have.add(e.seq);
  } catch {
    // A store that refuses the subject's index (it checks it itself) answers nothing.
    have.clear();
  }
  let missing = latest;
  let seq: number | undefined = latest;
  while (seq !== undefined) {
    if (!have.has(seq)) missing = seq;
    const event = await store.get(seq);
    if (event === undefined) break;
    const body = JSON.parse(event.body) as { subjects?: { id: string; prevSeq?: number }[] };
    seq = body.subjects?.find((s) => s.id === subject)?.prevSeq;
  }
  return missing;
}
