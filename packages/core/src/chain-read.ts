import { eventHash, type SubjectHead } from "./chain";
import { DaichoError } from "./errors";
import type { LedgerEvent } from "./events/envelope";
import type { Store } from "./store/store";

/**
 * The ledger's events from just after `after` (or from the start), each checked before it
 * is handed out (docs/spec.md §4): its stored body hashes to its stored hash, the body's
 * `seq` is the next one, and its `prevHash` is the hash of the event before (the genesis
 * hash for the first). So a view folded from these events rests on the hashed bytes and
 * the chain, never on a column or a row the store slipped in, dropped or reordered: any
 * failed check rejects with `STORE_CORRUPT` naming the sequence number (fail closed).
 *
 * `after` is the last event the caller already checked (its `seq` and `hash`), so an
 * incremental view checks each event once. The events yielded are the parsed bodies.
 */
export async function* readChainVerified(
  store: Store,
  genesis: string,
  after?: SubjectHead,
): AsyncIterable<LedgerEvent> {
  let expectedSeq = after === undefined ? 0 : after.seq + 1;
  let prevHash = after === undefined ? genesis : after.hash;
  for await (const stored of store.read({ from: expectedSeq })) {
    if (eventHash(stored.body) !== stored.hash)
      throw corrupt(stored.seq, "the event's body does not hash to its stored hash");
    let body: { seq?: unknown; prevHash?: unknown };
    try {
      body = JSON.parse(stored.body) as typeof body;
    } catch {
      throw corrupt(stored.seq, "the event's body is not JSON");
    }
    if (body.seq !== expectedSeq || stored.seq !== expectedSeq)
      throw corrupt(stored.seq, `expected the event at sequence number ${expectedSeq}`);
    if (body.prevHash !== prevHash)
      throw corrupt(stored.seq, "the event does not link to the event before it");
    prevHash = stored.hash;
    expectedSeq++;
    yield { ...body, hash: stored.hash } as LedgerEvent;
  }
}

function corrupt(seq: number, reason: string): DaichoError {
  return new DaichoError(
    "STORE_CORRUPT",
    `${reason}; run \`daicho verify\` and restore the ledger from a verified copy`,
    { path: `seq ${seq}`, details: { seq } },
  );
}
