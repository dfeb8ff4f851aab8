import type { SubjectHead } from "../chain";
import type { StoredEvent } from "../events/envelope";

/** Identity of a ledger, written once when its store is created. */
export interface LedgerMeta {
  /** Names the ledger; binds its genesis hash (docs/spec.md §3.3) and checkpoint origin. */
  readonly ledgerId: string;
  readonly createdAt: string;
  readonly envelopeVersion: number;
}

/** The last event of the chain. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

export interface ReadRange {
  /** First sequence number, inclusive (default 0). */
  readonly from?: number;
  /** Last sequence number, exclusive (default: the head + 1). */
  readonly to?: number;
}

/** How many subject-index rows one subject has (see `Store.subjectIndexCounts`). */
export interface SubjectIndexCount {
  readonly subject: string;
  readonly rows: number;
}

/** A subject-index row that points at no stored event, or at one not about its subject. */
export interface StrayIndexRow {
  readonly subject: string;
  readonly seq: number;
}

/**
 * How much one `append` can carry, for stores whose server caps a request (KurrentDB's
 * `MaxAppendSize`). The ledger's group commit keeps the sum of `eventBytes` of one append
 * at or below `maxBytes`, splitting only between callers' batches; a single batch above it
 * is refused with `PAYLOAD_TOO_LARGE`.
 */
export interface AppendLimit {
  readonly maxBytes: number;
  /** The most bytes `event` (and whatever the store writes beside it) adds to an append. */
  eventBytes(event: StoredEvent): number;
}

/**
 * The one seam every event store implements (in-memory, SQLite, PostgreSQL, KurrentDB).
 * Stores keep what they are given and enforce the chain's shape: a batch appends only
 * onto the head it names, contiguously, all or nothing, and event ids are unique. They do
 * not hash; the ledger and the verifier do. Every adapter passes `storeConformance`.
 */
export interface Store {
  /** A short name for messages and reports (`memory`, `sqlite`, `postgres`). */
  readonly kind: string;
  /** Set by stores that cap one append's size (see `AppendLimit`); absent means no cap. */
  readonly appendLimit?: AppendLimit;
  /**
   * Write the ledger's metadata if the store is new, and return what is stored. Fails
   * with `LEDGER_MISMATCH` when the store already holds another ledger.
   */
  init(meta: LedgerMeta): Promise<LedgerMeta>;
  /** The stored metadata, or null for a store that was never initialised. */
  meta(): Promise<LedgerMeta | null>;
  /** The last event, or null when the ledger is empty. */
  head(): Promise<ChainHead | null>;
  /**
   * Append `events` (sequence numbers `expected.seq + 1 …`, or `0 …` when `expected` is
   * null) atomically. Rejects with `CONCURRENCY_CONFLICT` (retryable) and writes nothing
   * when the head is not `expected`, with `DUPLICATE_EVENT` when an id is already stored,
   * and with `INVALID_ARGUMENT` when the batch is not contiguous. Resolves only once the
   * batch is durable.
   */
  append(events: readonly StoredEvent[], expected: ChainHead | null): Promise<void>;
  /** Events in sequence order within `range`, read lazily in pages. */
  read(range?: ReadRange): AsyncIterable<StoredEvent>;
  /** One event, or undefined. */
  get(seq: number): Promise<StoredEvent | undefined>;
  /** The latest event about each of `subjects` (subjects never mentioned are absent). */
  subjectHeads(subjects: readonly string[]): Promise<Map<string, SubjectHead>>;
  /** Every event about `subject`, in sequence order. */
  readSubject(subject: string): AsyncIterable<StoredEvent>;
  /**
   * For verification (docs/spec.md §11): how many subject-index rows each subject has
   * among the rows with `seq ≤ through`, one entry per subject that has any, read lazily.
   * Rows are distinct (subject, seq) pairs. Together with `strayIndexRows` this pins the
   * index to the bodies: if no row is stray and every subject has exactly as many rows as
   * events name it, the index is exactly the bodies' `subjects`.
   */
  subjectIndexCounts(through: number): AsyncIterable<SubjectIndexCount>;
  /**
   * For verification: up to `limit` subject-index rows that point at no stored event (at
   * any seq), or, with `seq ≤ through`, at an event whose stored `subjects` column does not
   * name the row's subject. Normally none.
   */
  strayIndexRows(through: number, limit: number): Promise<readonly StrayIndexRow[]>;
  close(): Promise<void>;
}
