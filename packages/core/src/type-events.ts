import { eventHash } from "./chain";
import { DaichoError } from "./errors";
import type { LedgerEvent, StoredEvent } from "./events/envelope";
import type { Store } from "./store/store";

/** Events per `readByType` page while reading by type. */
const PAGE = 500;

/**
 * Events of the given types with `seq ≥ fromSeq`, read through the store's index by type
 * (`Store.readByType`) and checked against the hashed bytes before anything decides on
 * them (docs/spec.md §10.7, as `readSubjectVerified` does for the subject index):
 *
 * 1. the stored body hashes to the stored hash (`eventHash`, spec §3.2), and the body's
 *    `seq` is the row's;
 * 2. the body's `type` is one of `types`: an edited `type` column cannot slip another
 *    event into a view (a `consent.granted` passed off as an `erasure.requested`);
 * 3. sequence numbers strictly increase from `fromSeq`: a repeated or reordered row is
 *    refused.
 *
 * The events yielded are the parsed **bodies** with their hash; no column of the row is
 * used. A failed check rejects with `STORE_CORRUPT` naming the sequence number (fail
 * closed). Limit: an index entry that is *missing* (a `type` column edited away from an
 * asked-for type) cannot be seen from here; `verify` compares the index with the bodies
 * and reports it (`typeIndexCounts`, spec §11).
 */
export async function* readByTypeVerified(
  store: Store,
  types: readonly string[],
  fromSeq = 0,
): AsyncIterable<LedgerEvent> {
  const wanted = new Set(types);
  let from = fromSeq;
  let previous = fromSeq - 1;
  for (;;) {
    const page = await store.readByType(types, from, PAGE);
    for (const stored of page) {
      const event = verifyTypedEvent(stored, wanted, previous);
      previous = event.seq;
      yield event;
    }
    if (page.length < PAGE) return;
    from = previous + 1;
  }
}

/** Every event of `types` from `fromSeq` on, verified as by {@link readByTypeVerified}. */
export async function typeEventsVerified(
  store: Store,
  types: readonly string[],
  fromSeq = 0,
): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const e of readByTypeVerified(store, types, fromSeq)) out.push(e);
  return out;
}

function verifyTypedEvent(
  stored: StoredEvent,
  types: ReadonlySet<string>,
  previous: number,
): LedgerEvent {
  if (eventHash(stored.body) !== stored.hash) {
    throw corrupt(stored.seq, "the event's body does not hash to its stored hash");
  }
  let body: { seq?: unknown; type?: unknown } | undefined;
  try {
    const parsed = JSON.parse(stored.body) as unknown;
    if (typeof parsed === "object" && parsed !== null) body = parsed as typeof body;
  } catch {
    body = undefined;
  }
  if (body === undefined || body.seq !== stored.seq) {
    throw corrupt(stored.seq, "the event's body is not an event at this sequence number");
  }
  if (typeof body.type !== "string" || !types.has(body.type)) {
    throw corrupt(stored.seq, "the index by type names an event of another type");
  }
  if (stored.seq <= previous) {
    throw corrupt(stored.seq, "the index by type returned events out of sequence or twice");
  }
  return { ...body, hash: stored.hash } as LedgerEvent;
}

function corrupt(seq: number, reason: string): DaichoError {
  return new DaichoError(
    "STORE_CORRUPT",
    `${reason}; run \`daicho verify\` and restore the ledger from a verified copy`,
    { path: `seq ${seq}`, details: { seq } },
  );
}
