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
 * Check every subject-index row against the verified bodies: each row must point at an
 * event whose (verified) `subjects` names the subject; each subject's rows must be
 * ascending, as many as the events that name it, and end at its latest event.
 */
async function subjectIndexFailure(
  store: Store,
  tally: ReadonlyMap<string, SubjectTally>,
  tip: number,
): Promise<VerifyFailure | undefined> {
  const seen = new Set<string>();
  let subject: string | undefined;
  let entry: SubjectTally | undefined;
  let rows: number[] = [];
  const groupFailure = async (): Promise<VerifyFailure | undefined> => {
    if (subject === undefined || entry === undefined) return undefined;
    if (rows.length === entry.count && rows[rows.length - 1] === entry.seq) return undefined;
    const missing = await firstMissing(store, subject, entry.seq, rows);
    return indexFailure(
      missing,
      "a subject-index row is missing: lookups by subject skip this event",
    );
  };
  let beyond = -1;
  for await (const row of store.readSubjectIndex()) {
    if (row.seq > tip) {
      beyond = Math.max(beyond, row.seq); // appended after this run started, or planted
      continue;
    }
    if (row.subject !== subject) {
      const f = await groupFailure();
      if (f !== undefined) return f;
      subject = row.subject;
      entry = tally.get(row.subject);
      rows = [];
      if (entry === undefined || seen.has(row.subject)) {
        return indexFailure(
          row.seq,
          entry === undefined
            ? "a subject-index row names a subject that no event is about"
            : "the subject index returned one subject's rows in two places",
        );
      }
      seen.add(row.subject);
    }
    const last = rows[rows.length - 1];
    if (last !== undefined && row.seq <= last) {
      return indexFailure(row.seq, "subject-index rows are duplicated or out of order");
    }
    if (row.eventSubjects === null || !row.eventSubjects.includes(row.subject)) {
      return indexFailure(
        row.seq,
        "a subject-index row points at an event that is not about that subject",
      );
    }
    rows.push(row.seq);
  }
  const f = await groupFailure();
  if (f !== undefined) return f;
  if (beyond >= 0 && beyond > ((await store.head())?.seq ?? -1)) {
    return indexFailure(beyond, "a subject-index row points beyond the last stored event");
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
 * The first event about `subject` that its index rows leave out, found by walking the
 * subject's verified back-links from its latest event (only on the failure path).
 */
async function firstMissing(
  store: Store,
  subject: string,
  latest: number,
  indexed: readonly number[],
): Promise<number> {
  const have = new Set(indexed);
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
