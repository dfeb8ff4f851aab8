import type { SubjectHead } from "../chain";
import { readChainVerified } from "../chain-read";
import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import { applyRequestEvent, type DataSubjectRequest } from "./model";

/**
 * The ledger-wide fold of every data-subject request, for queues and lists. Built by
 * folding the ledger once, then kept current by reading only the events appended since
 * (`catchUp`); every event is checked against its hash and the chain link to the one
 * before it (`readChainVerified`) before it is folded, so the queue a DPO works from
 * rests on the hashed bytes. A tampered event rejects with `STORE_CORRUPT`.
 */
export class RequestsView {
  private last: SubjectHead | undefined;
  private readonly map = new Map<string, DataSubjectRequest>();

  /** Requests by id. */
  get requests(): ReadonlyMap<string, DataSubjectRequest> {
    return this.map;
  }

  /** Fold the events appended since the last call, each verified first. */
  async catchUp(ledger: Ledger): Promise<void> {
    for await (const e of readChainVerified(ledger.store, ledger.genesis, this.last)) {
      this.apply(e);
    }
  }

  /** Fold one verified event (in sequence order; repeats are ignored). */
  private apply(e: LedgerEvent): void {
    if (this.last !== undefined && e.seq <= this.last.seq) return;
    this.last = { seq: e.seq, hash: e.hash };
    applyRequestEvent(this.map, e);
  }
}
