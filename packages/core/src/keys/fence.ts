import { eventHash } from "../chain";
import { DaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { ChainHead, Store } from "../store/store";
import { readSubjectVerified } from "../subject-events";
import { readByTypeVerified } from "../type-events";
import { CATEGORIES_EVENT, CategoryPolicy, categoryKeySubject, fieldCovers } from "./categories";

/** Event types whose presence about a subject fences its keys (docs/erasure.md). */
export const FENCE_EVENT_TYPES: ReadonlySet<string> = new Set([
  "erasure.fenced",
  "erasure.completed",
]);

/** Event types whose presence about a subject fences one category of its keys (spec §10.11). */
export const CATEGORY_FENCE_EVENT_TYPES: ReadonlySet<string> = new Set([
  "erasure.category-fenced",
  "erasure.category-completed",
]);

/**
 * The erasure fence: the ledger's own record of which subjects are erased. A key load
 * asks the fence first, so a key store restored from a backup older than the erasure
 * still cannot serve the subject's key — the fence lives in the log, which is
 * append-only and travels with every backup of the log.
 */
export interface ErasureFence {
  /**
   * True when an erasure fence about `subject` is recorded. Rejects with `STORE_CORRUPT`
   * when the subject's events cannot be verified: a key is never served on a fence that
   * could have been hidden.
   */
  isFenced(subject: string): Promise<boolean>;
  /**
   * Catch up with events appended since the last call by any process: one `head()` read
   * when nothing moved; otherwise the new events are read, each checked against its hash
   * and linked to the one before, and the subjects of fence events become known. Rejects
   * with `STORE_CORRUPT` when the new events do not verify or the head went backwards.
   */
  refresh(): Promise<void>;
  /** True when a fence about `subject` is known without a store read (marked, observed, refreshed). */
  knownFenced(subject: string): boolean;
  /** Note a fence this process has just appended (or observed), without a store read. */
  mark(subject: string): void;
  /** Events this process appended, in order: followed without reading them back. */
  observe(events: readonly LedgerEvent[]): void;
  /**
   * True when a category fence about (`subject`, `category`) — or a whole-subject fence — is
   * known without a store read. `isFenced(subject)` learns the subject's category fences
   * from the same verified read, and `refresh` from every new event.
   */
  knownCategoryFenced(subject: string, category: string): boolean;
  /**
   * True when a known category fence of `subject` covered `field` when it was recorded:
   * such a value is refused for the subject whatever the declaration in force says now.
   */
  knownErasedField(subject: string, field: string): boolean;
  /** Note a category fence this process has just appended, without a store read. */
  markCategory(subject: string, category: string, fields: readonly string[]): void;
  /**
   * The ledger's erasure categories (spec §10.11), folded from hash-verified
   * `personal.categories-set` bodies: read through the index by type at the first
   * `refresh`, then followed with every new event.
   */
  readonly categories: CategoryPolicy;
}

/**
 * A fence read from the event store: a subject is fenced when the hash-verified **body**
 * of any event about it has a type in {@link FENCE_EVENT_TYPES} (`readSubjectVerified`:
 * bodies checked against their hashes and the subject's back-links; the store's `type`
 * column is never read). Cost per check is the subject's own events, independent of the
 * ledger's size; positive answers are remembered forever since a fence is never lifted.
 * `refresh` follows the chain from the head seen at the first call (issue 11 item 11).
 */
export function ledgerFence(store: Store): ErasureFence {
  const fenced = new Set<string>();
  /** Per subject, the field entries its category fences covered when recorded. */
  const erasedFields = new Map<string, Set<string>>();
  const categories = new CategoryPolicy();
  const markCategory = (subject: string, category: string, fields: readonly string[]) => {
    fenced.add(categoryKeySubject(subject, category));
    const known = erasedFields.get(subject) ?? new Set<string>();
    for (const f of fields) known.add(f);
    erasedFields.set(subject, known);
  };
  /** The last event whose successors were all checked for fences (undefined: not started). */
  let seen: ChainHead | null | undefined;
  let scanning: Promise<void> = Promise.resolve();

  const note = (body: LedgerEvent) => {
    categories.apply(body);
    if (CATEGORY_FENCE_EVENT_TYPES.has(body.type)) {
      const p = body.payload as { category?: unknown; fields?: unknown };
      if (typeof p?.category !== "string") return;
      const fields = Array.isArray(p.fields) ? p.fields.filter((f) => typeof f === "string") : [];
      for (const s of body.subjects ?? []) markCategory(s.id, p.category, fields);
      return;
    }
    if (!FENCE_EVENT_TYPES.has(body.type)) return;
    for (const s of body.subjects ?? []) fenced.add(s.id);
  };

  /** Check the events after `seen` up to `head` and move `seen` there. */
  const scanTo = async (head: ChainHead | null): Promise<void> => {
    const from = seen as ChainHead | null;
    if (head?.seq === from?.seq) {
      if (head?.hash !== from?.hash) throw replaced(from, head);
      return;
    }
    // Behind what this process saw (its own appends moved past the head read): nothing new.
    // A rolled-back store cannot unmark a fence; the rollback is `verify --expect`'s to find.
    if (head === null || (from !== null && head.seq < from.seq)) return;
    let previous = from;
    const range = { from: from === null ? 0 : from.seq + 1, to: head.seq + 1 };
    for await (const stored of store.read(range)) {
      if (eventHash(stored.body) !== stored.hash) throw unverified(stored.seq);
      const body = parse(stored.body, stored.seq);
      const linked =
        previous === null
          ? body.seq === 0
          : body.seq === previous.seq + 1 && body.prevHash === previous.hash;
      if (!linked) throw unverified(stored.seq);
      note(body);
      previous = { seq: body.seq, hash: stored.hash };
    }
    if (previous?.seq !== head.seq || previous.hash !== head.hash) throw unverified(head.seq);
    if (seen === undefined || seen === null || previous.seq > seen.seq) seen = previous;
  };

  /** The declarations recorded so far, read once through the index by type (verified bodies). */
  let loading: Promise<void> | undefined;
  const loadCategories = async (): Promise<void> => {
    for await (const e of readByTypeVerified(store, [CATEGORIES_EVENT])) categories.apply(e);
  };

  return {
    categories,
    knownCategoryFenced: (subject, category) =>
      fenced.has(subject) || fenced.has(categoryKeySubject(subject, category)),
    knownErasedField: (subject, field) =>
      [...(erasedFields.get(subject) ?? [])].some((entry) => fieldCovers(entry, field)),
    markCategory,
    async isFenced(subject: string): Promise<boolean> {
      if (fenced.has(subject)) return true;
      for await (const e of readSubjectVerified(store, subject)) {
        if (CATEGORY_FENCE_EVENT_TYPES.has(e.type)) note(e);
        if (FENCE_EVENT_TYPES.has(e.type)) {
          fenced.add(subject);
          return true;
        }
      }
      return false;
    },
    refresh(this: ErasureFence): Promise<void> {
      // On the hot path (nothing moved) this is one head() read and no other promise.
      return store.head().then((head) => {
        if (seen === undefined) {
          seen = head; // older fences are found by `isFenced` when a key is first loaded
          // Declarations up to (at least) this head; later ones arrive with the scan. A
          // concurrent refresh waits for them, so no value is sealed before they are known.
          loading = loadCategories()
            .catch((e: unknown) => {
              seen = undefined; // not loaded: the next refresh reads them again
              throw e;
            })
            .finally(() => {
              loading = undefined;
            });
          return loading;
        }
        if (loading !== undefined) return loading.then(() => this.refresh());
        if (head?.seq === seen?.seq && head?.hash === seen?.hash) return;
        const run = scanning.then(() => scanTo(head));
        scanning = run.catch(() => undefined);
        return run;
      });
    },
    knownFenced: (subject) => fenced.has(subject),
    mark(subject: string): void {
      fenced.add(subject);
    },
    observe(events: readonly LedgerEvent[]): void {
      for (const e of events) note(e);
      const first = events[0];
      const last = events[events.length - 1];
      if (first === undefined || last === undefined || seen === undefined) return;
      const follows =
        seen === null
          ? first.seq === 0
          : first.seq === seen.seq + 1 && first.prevHash === seen.hash;
      if (follows) seen = { seq: last.seq, hash: last.hash };
    },
  };
}

function parse(body: string, seq: number): LedgerEvent {
  try {
    const parsed = JSON.parse(body) as unknown;
    if (typeof parsed === "object" && parsed !== null) return parsed as LedgerEvent;
  } catch {
    // fall through
  }
  throw unverified(seq);
}

function unverified(seq: number): DaichoError {
  return new DaichoError(
    "STORE_CORRUPT",
    "events appended since this process last looked do not verify; no key is served until `daicho verify` passes",
    { path: `seq ${seq}`, details: { seq } },
  );
}

function replaced(from: ChainHead | null, head: ChainHead | null): DaichoError {
  return new DaichoError(
    "STORE_CORRUPT",
    "the ledger's head was replaced while this process had it open; reopen the ledger after `daicho verify`",
    { details: { seen: from, head } },
  );
}
