import type { SubjectHead } from "../chain";
import { readChainVerified } from "../chain-read";
import type { Ledger } from "../ledger";
import type { Regulations } from "../reports/regulations";
import { applyIncidentEvent, type Incident } from "./model";

/**
 * Every incident, folded once and then incrementally (`catchUp` reads only new events),
 * each event checked against its hash and the chain link before it is folded
 * (`readChainVerified`): incidents name no subject, so the chain is what vouches for them.
 */
export class IncidentsView {
  private last: SubjectHead | undefined;
  private readonly map = new Map<string, Incident>();

  constructor(private readonly regs?: Regulations) {}

  get incidents(): ReadonlyMap<string, Incident> {
    return this.map;
  }

  /** Fold the events appended since the last call, each verified first. */
  async catchUp(ledger: Ledger): Promise<void> {
    for await (const e of readChainVerified(ledger.store, ledger.genesis, this.last)) {
      this.last = { seq: e.seq, hash: e.hash };
      applyIncidentEvent(this.map, e, this.regs);
    }
  }
}
