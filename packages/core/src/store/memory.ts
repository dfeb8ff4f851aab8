import type { SubjectHead } from "../chain";
import { DaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import { assertContiguousBatch, concurrencyConflict, sameHead } from "./checks";
import type {
  ChainHead,
  LedgerMeta,
  ReadRange,
  Store,
  StrayIndexRow,
  SubjectIndexCount,
} from "./store";

/**
 * An in-memory `Store`: for tests, demos and short-lived ledgers. Same guarantees as the
 * durable stores within one process; nothing survives the process.
 */
export function memoryStore(): Store {
  return new MemoryStore();
}

class MemoryStore implements Store {
  readonly kind = "memory";
  private metadata: LedgerMeta | null = null;
  private readonly events: StoredEvent[] = [];
  private readonly ids = new Set<string>();
  private readonly bySubject = new Map<string, number[]>();
  private closed = false;

  async init(meta: LedgerMeta): Promise<LedgerMeta> {
    this.open();
    if (this.metadata === null) this.metadata = { ...meta };
    else if (this.metadata.ledgerId !== meta.ledgerId) {
      throw new DaichoError("LEDGER_MISMATCH", "store holds another ledger", {
        details: { stored: this.metadata.ledgerId, requested: meta.ledgerId },
      });
    }
    return this.metadata;
  }

  async meta(): Promise<LedgerMeta | null> {
    this.open();
    return this.metadata;
  }

  async head(): Promise<ChainHead | null> {
    this.open();
    return this.currentHead();
  }

  async append(events: readonly StoredEvent[], expected: ChainHead | null): Promise<void> {
    this.open();
    if (!sameHead(this.currentHead(), expected))
      throw concurrencyConflict(expected, this.currentHead());
    assertContiguousBatch(events, expected);
    events.forEach((e, i) => {
      if (this.ids.has(e.id)) {
        throw new DaichoError("DUPLICATE_EVENT", "event id is already recorded", {
          path: `events[${i}].id`,
        });
      }
    });
    for (const e of events) {
      this.events.push(e);
      this.ids.add(e.id);
      for (const s of e.subjects) {
        const list = this.bySubject.get(s);
        if (list === undefined) this.bySubject.set(s, [e.seq]);
        else list.push(e.seq);
      }
    }
  }

  async *read(range: ReadRange = {}): AsyncIterable<StoredEvent> {
    this.open();
    const to = Math.min(range.to ?? this.events.length, this.events.length);
    for (let seq = Math.max(range.from ?? 0, 0); seq < to; seq++) {
      const e = this.events[seq];
      if (e !== undefined) yield e;
    }
  }

  async get(seq: number): Promise<StoredEvent | undefined> {
    this.open();
    return this.events[seq];
  }

  async subjectHeads(subjects: readonly string[]): Promise<Map<string, SubjectHead>> {
    this.open();
    const heads = new Map<string, SubjectHead>();
    for (const s of subjects) {
      const seqs = this.bySubject.get(s);
      const last = seqs?.[seqs.length - 1];
      const event = last === undefined ? undefined : this.events[last];
      if (event !== undefined) heads.set(s, { seq: event.seq, hash: event.hash });
    }
    return heads;
  }

  async *readSubject(subject: string): AsyncIterable<StoredEvent> {
    this.open();
    for (const seq of this.bySubject.get(subject) ?? []) {
      const e = this.events[seq];
      if (e !== undefined) yield e;
    }
  }

  async *subjectIndexCounts(through: number): AsyncIterable<SubjectIndexCount> {
    this.open();
    for (const [subject, seqs] of this.bySubject) {
      const rows = seqs.filter((seq) => seq <= through).length;
      if (rows > 0) yield { subject, rows };
    }
  }

  async strayIndexRows(through: number, limit: number): Promise<readonly StrayIndexRow[]> {
    this.open();
    const out: StrayIndexRow[] = [];
    for (const [subject, seqs] of this.bySubject) {
      for (const seq of seqs) {
        const e = this.events[seq];
        if (e === undefined || (seq <= through && !e.subjects.includes(subject))) {
          out.push({ subject, seq });
          if (out.length >= limit) return out;
        }
      }
    }
    return out;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private currentHead(): ChainHead | null {
    const last = this.events[this.events.length - 1];
    return last === undefined ? null : { seq: last.seq, hash: last.hash };
  }

  private open(): void {
    if (this.closed) throw new DaichoError("STORE_CLOSED", "store is closed");
  }
}
