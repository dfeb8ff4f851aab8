/**
 * A time-ordered list of facts about one thing (a subject's consent for one purpose, an
 * actor's lifecycle, a field's classification). Entries are kept sorted by
 * (`at`, `seq`): `at` is when the fact took effect (the event's `occurredAt`), `seq`
 * breaks ties in ledger order. Because the order depends only on the entries, a timeline
 * built incrementally equals one rebuilt from scratch, whatever order backdated events
 * were recorded in.
 */
export interface Entry {
  /** Effective time, epoch milliseconds (the event's occurredAt). */
  readonly at: number;
  /** Ledger sequence number of the event that recorded the fact. */
  readonly seq: number;
  /** Recording time, epoch milliseconds (the event's recordedAt). */
  readonly rec: number;
}

/** Insert `entry` into `list`, keeping (at, seq) order; usually appends at the end. */
export function insertEntry<E extends Entry>(list: E[], entry: E): void {
  let i = list.length;
  while (i > 0) {
    const prev = list[i - 1] as E;
    if (prev.at < entry.at || (prev.at === entry.at && prev.seq < entry.seq)) break;
    i--;
  }
  if (i === list.length) list.push(entry);
  else list.splice(i, 0, entry);
}

/**
 * The last entry in effect at `at` (effective time ≤ `at`), optionally only among entries
 * recorded by `knownAt` ("what did the ledger say on 3 April about 1 April?").
 */
export function entryAt<E extends Entry>(
  list: readonly E[] | undefined,
  at: number,
  knownAt?: number,
): E | undefined {
  if (list === undefined) return undefined;
  for (let i = list.length - 1; i >= 0; i--) {
    const e = list[i] as E;
    if (e.at > at) continue;
    if (knownAt !== undefined && e.rec > knownAt) continue;
    return e;
  }
  return undefined;
}

/** Entries in effect at or before `at` (and recorded by `knownAt` when given), oldest first. */
export function entriesUntil<E extends Entry>(
  list: readonly E[] | undefined,
  at: number,
  knownAt?: number,
): E[] {
  if (list === undefined) return [];
  return list.filter((e) => e.at <= at && (knownAt === undefined || e.rec <= knownAt));
}
