import { EVENT_PAYLOADS } from "../events/catalogue";
import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import { readByTypeVerified } from "../type-events";
import { applyRequestEvent, type DataSubjectRequest, REQUEST_EVENT } from "./model";

/** The request lifecycle's event types (`request.*` in the catalogue). */
const REQUEST_EVENT_TYPES = Object.keys(EVENT_PAYLOADS).filter((t) => REQUEST_EVENT.test(t));

/**
 * The ledger-wide fold of every data-subject request, for queues and lists. Built from the
 * `request.*` events only, read through the store's index by type and checked against
 * their hashed bytes (`readByTypeVerified`: the body hashes to the stored hash, is of an
 * asked-for type, sequence numbers increase), then kept current by reading only the
 * events appended since (`catchUp`), so a first list does not read the whole ledger
 * (issue 16 item 7). A tampered event rejects with `STORE_CORRUPT`.
 *
 * What this view cannot see is an index row deleted outright (`verify` reports it as an
 * index mismatch, spec §11); that is why every step of a request decides on the
 * subject's own events read through the per-subject back-links (`subjectEventsVerified`),
 * never on this view.
 */
export class RequestsView {
  private nextSeq = 0;
  private readonly map = new Map<string, DataSubjectRequest>();

  /** Requests by id. */
  get requests(): ReadonlyMap<string, DataSubjectRequest> {
    return this.map;
  }

  /** Fold the request events appended since the last call, each verified first. */
  async catchUp(ledger: Ledger): Promise<void> {
    for await (const e of readByTypeVerified(ledger.store, REQUEST_EVENT_TYPES, this.nextSeq)) {
      this.apply(e);
    }
  }

  /** Fold one verified event (in sequence order; repeats are ignored). */
  private apply(e: LedgerEvent): void {
    if (e.seq < this.nextSeq) return;
    this.nextSeq = e.seq + 1;
    applyRequestEvent(this.map, e);
  }
}
