import { DaichoError } from "./errors";
import { ENVELOPE_VERSION, type StoredEvent } from "./events/envelope";
import type { Store } from "./store/store";
import { SubjectTallies } from "./subject-tallies";
import {
  type ParsedBody,
  type VerifiedCopy,
  type VerifiedEventHook,
  type VerifyFailure,
  type VerifyOptions,
  type VerifyReport,
  verifyChain,
} from "./verify";
import { precheckInWorkers } from "./verify-parallel";

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
  /**
   * Check the subject index and the index by type against the bodies (default true). Each
   * is one aggregate pass in the store's own engine over all index rows; `false` skips
   * them (a frequent status poll between full runs), and the report's `checked` then
   * leaves out `subject-index` and `type-index`.
   */
  readonly indexes?: boolean;
  /**
   * Worker threads that recompute hashes and parse bodies while this thread reads and
   * checks links, columns and order (default 1: all on this thread). The verdict is the
   * same either way; a property test holds the two reports equal on tampered ledgers.
   * Measured on 2 shared cores it is slower, not faster (docs/benchmarks.md, issue 16
   * item 4): cloning each page to a worker and its result back costs this thread about
   * what parsing does. Kept opt-in for measuring on larger machines.
   */
  readonly workers?: number;
}

/**
 * Verify everything a store answers from, not only the hashed bytes: the chain as
 * `verifyEvents` does, then every stored copy of a body member (the columns
 * `seq`, `id`, `type`, `recordedAt`, `subjects`, `prevHash`), the stored head, every row
 * of the subject index (`readSubject` and `subjectHeads` answer from it) and the index by
 * event type (`readByType` answers from it), against the hashed bodies (docs/spec.md §11). The first difference is reported as `column-mismatch`
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
  return (await verifyStoreFrom(store, genesis, options, undefined)).report;
}

/** Where a store verification resumes: the last verified event and the tallies up to it. */
export interface ResumeState {
  readonly seq: number;
  readonly hash: string;
  readonly subjects?: SubjectTallies;
  readonly types: Map<string, TypeTally>;
}

/** Per event type while verifying: how many hashed bodies have it, and the first. */
export interface TypeTally {
  count: number;
  readonly first: number;
}

/**
 * `verifyStore`, optionally resuming after `resume` (the incremental verifier's state,
 * which this function takes over and updates; pass a copy to keep the old one). Returns
 * the report and, when it is ok, the state at the new head. Not part of the public API:
 * `verifyFrom` is.
 */
export async function verifyStoreFrom(
  store: Store,
  genesis: string,
  options: StoreVerifyOptions,
  resume: ResumeState | undefined,
): Promise<{ report: VerifyReport; state?: ResumeState }> {
  const meta = await store.meta();
  if (meta !== null && meta.envelopeVersion !== ENVELOPE_VERSION && meta.envelopeVersion !== 2) {
    return {
      report: {
        ok: false,
        count: 0,
        failure: {
          seq: 0,
          kind: "column-mismatch",
          reason: `the stored ledger metadata names envelope version ${meta.envelopeVersion}; this library knows versions 1 and 2`,
        },
      },
    };
  }
  const claimed = await store.head();
  const subjects =
    options.subjectLinks === false ? undefined : (resume?.subjects ?? new SubjectTallies());
  const types = resume?.types ?? new Map<string, TypeTally>();
  const also = options.also ?? [];
  const tallied: VerifiedEventHook = (stored, body) =>
    columnFailure(stored, body) ?? tallyType(types, stored);
  const onVerified: VerifiedEventHook =
    also.length === 0
      ? tallied
      : (stored, body) => tallied(stored, body) ?? runAll(also, stored, body);
  const from = resume === undefined ? 0 : resume.seq + 1;
  const range = claimed === null ? { from } : { from, to: claimed.seq + 1 };
  const workers = workerCount(options.workers);
  const versioned = meta === null ? options : { ...options, envelopeVersion: meta.envelopeVersion };
  const report = await verifyChain(store.read(range), genesis, versioned, {
    onVerified,
    ...(workers > 1 ? { precheck: precheckInWorkers(workers) } : {}),
    ...(subjects === undefined ? {} : { subjects }),
    ...(resume === undefined ? {} : { start: { seq: resume.seq, hash: resume.hash } }),
  });
  if (!report.ok) return { report };
  const failed = (failure: VerifyFailure) => ({
    report: { ok: false, count: report.count, failure } as VerifyReport,
  });
  const head = await headFailure(store, claimed, report);
  if (head !== undefined) return failed(head);
  // Checkpoints first: one beyond the log names a truncation more precisely than the
  // index rows it leaves behind.
  for (const check of also) {
    const f = await check.finish(report.count);
    if (f !== undefined) return failed(f);
  }
  if (subjects !== undefined && options.indexes !== false) {
    const index = await subjectIndexFailure(store, subjects, report.count - 1);
    if (index !== undefined) return failed(index);
  }
  if (options.indexes !== false) {
    const index = await typeIndexFailure(store, types, report.count - 1);
    if (index !== undefined) return failed(index);
  }
  const checked: VerifiedCopy[] = ["columns", "head"];
  if (subjects !== undefined && options.indexes !== false) checked.push("subject-index");
  if (options.indexes !== false) checked.push("type-index");
  for (const check of also) checked.push(...check.covers);
  const state =
    report.headSeq === null || report.headHash === null
      ? undefined
      : {
          seq: report.headSeq,
          hash: report.headHash,
          types,
          ...(subjects === undefined ? {} : { subjects }),
        };
  return { report: { ...report, checked }, ...(state === undefined ? {} : { state }) };
}

function workerCount(workers: number | undefined): number {
  if (workers === undefined) return 1;
  if (!Number.isSafeInteger(workers) || workers < 1 || workers > 64) {
    throw new DaichoError("INVALID_ARGUMENT", "workers is an integer from 1 to 64", {
      path: "workers",
    });
  }
  return workers;
}

/** Count the verified event's type (its `type` column already equals the body's). */
function tallyType(types: Map<string, TypeTally>, stored: StoredEvent): undefined {
  const tally = types.get(stored.type);
  if (tally === undefined) types.set(stored.type, { count: 1, first: stored.seq });
  else tally.count++;
  return undefined;
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
  tally: SubjectTallies,
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
  // One byte per subject: whether the index has reported it yet.
  const seen = new Uint8Array(tally.size);
  let seenCount = 0;
  for await (const { subject, rows } of store.subjectIndexCounts(tip)) {
    const entry = tally.find(subject);
    if (entry < 0 || seen[entry] === 1) {
      // Only a store breaking its contract gets here: a non-stray row names a known subject.
      return indexFailure(
        entry < 0 ? 0 : tally.first(entry),
        "the store's subject index does not add up",
      );
    }
    seen[entry] = 1;
    seenCount++;
    if (rows !== tally.count(entry)) {
      return indexFailure(
        await firstMissing(store, subject, tally.lastSeq(entry)),
        "a subject-index row is missing: lookups by subject skip this event",
      );
    }
  }
  if (seenCount !== tally.size) {
    let first = Number.POSITIVE_INFINITY;
    for (let e = 0; e < tally.size; e++) {
      if (seen[e] === 0 && tally.first(e) < first) first = tally.first(e);
    }
    return indexFailure(first, "a subject has no subject-index rows at all");
  }
  return undefined;
}

/**
 * Check the index by type against the verified bodies (docs/spec.md §11): every type the
 * bodies name must have exactly as many index entries among `seq ≤ tip` as bodies of that
 * type, and the index may name no other type. The store counts in its own engine.
 */
async function typeIndexFailure(
  store: Store,
  tally: ReadonlyMap<string, TypeTally>,
  tip: number,
): Promise<VerifyFailure | undefined> {
  const seen = new Set<string>();
  for await (const { type, rows } of store.typeIndexCounts(tip)) {
    const entry = tally.get(type);
    if (entry === undefined || seen.has(type)) {
      const [first] = entry === undefined ? await store.readByType([type], 0, 1) : [];
      return indexFailure(
        first?.seq ?? entry?.first ?? 0,
        "the index by type names an event type no verified event has",
      );
    }
    seen.add(type);
    if (rows !== entry.count) {
      return indexFailure(
        await firstTypeGap(store, type, tip),
        rows < entry.count
          ? "an entry of the index by type is missing: reads by type skip this event"
          : "the index by type holds an entry for an event of another type",
      );
    }
  }
  if (seen.size !== tally.size) {
    let first = Number.POSITIVE_INFINITY;
    for (const [t, n] of tally) if (!seen.has(t) && n.first < first) first = n.first;
    return indexFailure(first, "an event type has no entries in the index by type at all");
  }
  return undefined;
}

/**
 * The first sequence number where the index by type and the verified bodies disagree for
 * `type`: walked in step through both. Only on the failure path.
 */
async function firstTypeGap(store: Store, type: string, tip: number): Promise<number> {
  const indexed = new Set<number>();
  let from = 0;
  for (;;) {
    const page = await store.readByType([type], from, 1000);
    for (const e of page) indexed.add(e.seq);
    const last = page[page.length - 1];
    if (last === undefined || page.length < 1000) break;
    from = last.seq + 1;
  }
  for await (const e of store.read({ to: tip + 1 })) {
    const isType = (JSON.parse(e.body) as { type?: unknown }).type === type;
    if (isType !== indexed.has(e.seq)) return e.seq;
  }
  return 0;
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
