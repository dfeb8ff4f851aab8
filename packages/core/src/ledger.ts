import * as E from "fp-ts/lib/Either.js";
import { buildBody, type SubjectHead, sealBody } from "./chain";
import type { EventType } from "./events/catalogue";
import type { LedgerEvent, StoredEvent } from "./events/envelope";
import { decodeEventInput, type EventInput } from "./events/input";
import { DaichoError, isDaichoError } from "./errors";
import { genesisHash } from "./hash";
import { uuidv7 } from "./ids";
import type { ChainHead, LedgerMeta, ReadRange, Store } from "./store/store";
import { type VerifyOptions, type VerifyReport, verifyEvents } from "./verify";

export interface LedgerOptions {
  /** Where events live: `memoryStore()`, `sqliteStore(path)`, a PostgreSQL store, … */
  readonly store: Store;
  /**
   * Names this ledger (e.g. `crm.example.com/ledger`). Required when the store is new;
   * checked against the stored id otherwise. Binds the genesis hash.
   */
  readonly ledgerId?: string;
  /** Clock for `recordedAt`; defaults to the system clock. */
  readonly clock?: () => Date;
  /** Largest canonical event in bytes (default 256 KiB); larger inputs are rejected. */
  readonly maxEventBytes?: number;
  /** How often an append retries after another writer moved the head (default 20). */
  readonly maxConflictRetries?: number;
  /** Most events one group commit writes in one store transaction (default 2000). */
  readonly maxGroupEvents?: number;
  /** Where errors thrown by `onAppend` listeners go (default: console.error with the code). */
  readonly onListenerError?: (e: unknown) => void;
}

interface PendingBatch {
  readonly inputs: readonly EventInput[];
  readonly resolve: (events: LedgerEvent[]) => void;
  readonly reject: (e: unknown) => void;
}

/** Called after events are durably appended, in sequence order. */
export type AppendListener = (events: readonly LedgerEvent[]) => void;

const DEFAULT_MAX_EVENT_BYTES = 256 * 1024;
/** Printable ASCII without space or '+': usable as a C2SP checkpoint origin and note name. */
const LEDGER_ID = /^[\x21-\x2A\x2C-\x7E]{1,255}$/;

/**
 * Open a ledger on a store, creating its metadata if the store is new. The returned
 * ledger serialises its own appends and retries transparently when another process
 * appended first; the chain can never fork because the store refuses stale heads.
 */
export async function openLedger(options: LedgerOptions): Promise<Ledger> {
  const { store } = options;
  let meta = await store.meta();
  if (options.ledgerId !== undefined && !LEDGER_ID.test(options.ledgerId)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "ledgerId must be 1–255 printable ASCII characters without spaces or '+' (docs/spec.md §1)",
      { path: "ledgerId" },
    );
  }
  if (meta === null) {
    if (options.ledgerId === undefined) {
      throw new DaichoError("INVALID_ARGUMENT", "a new ledger needs a ledgerId", { path: "ledgerId" });
    }
    meta = await store.init({
      ledgerId: options.ledgerId,
      createdAt: new Date().toISOString(),
      envelopeVersion: 1,
    });
  }
  if (options.ledgerId !== undefined && meta.ledgerId !== options.ledgerId) {
    throw new DaichoError("LEDGER_MISMATCH", "store holds another ledger", {
      details: { stored: meta.ledgerId, requested: options.ledgerId },
    });
  }
  return new Ledger(store, meta, options);
}

export class Ledger {
  readonly genesis: string;
  private readonly clock: () => Date;
  private readonly maxEventBytes: number;
  private readonly maxRetries: number;
  private readonly listeners = new Set<AppendListener>();
  private readonly maxGroupEvents: number;
  private readonly pending: PendingBatch[] = [];
  private writing = false;
  private readonly onListenerError: (e: unknown) => void;

  constructor(
    readonly store: Store,
    readonly meta: LedgerMeta,
    options: LedgerOptions,
  ) {
    this.genesis = genesisHash(meta.ledgerId);
    this.clock = options.clock ?? (() => new Date());
    this.maxEventBytes = options.maxEventBytes ?? DEFAULT_MAX_EVENT_BYTES;
    this.maxRetries = options.maxConflictRetries ?? 20;
    this.maxGroupEvents = options.maxGroupEvents ?? 2000;
    this.onListenerError =
      options.onListenerError ??
      ((e) => console.error("daicho: append listener failed:", isDaichoError(e) ? e.code : e));
  }

  get ledgerId(): string {
    return this.meta.ledgerId;
  }

  /**
   * Decode, hash, link and durably append one event. Rejects with a `DaichoError`
   * (`DECODE_ERROR` naming the path, `PAYLOAD_TOO_LARGE`, …) and appends nothing when the
   * input is invalid.
   */
  async append<T extends EventType>(input: EventInput<T>): Promise<LedgerEvent<T>> {
    const [event] = await this.appendBatch([input]);
    return event as LedgerEvent<T>;
  }

  /**
   * Append a batch atomically: every input is decoded first, and one invalid input
   * rejects the whole batch with nothing written. Batches submitted while a write is in
   * flight are committed together in the next store transaction (group commit); each
   * caller's batch stays contiguous and all-or-nothing.
   */
  async appendBatch(inputs: readonly unknown[]): Promise<LedgerEvent[]> {
    const decoded = decodeBatch(inputs);
    if (decoded.length === 0) return [];
    return new Promise<LedgerEvent[]>((resolve, reject) => {
      this.pending.push({ inputs: decoded, resolve, reject });
      void this.drain();
    });
  }

  /** Register a listener for appended events; returns a function that removes it. */
  onAppend(listener: AppendListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** The last event's sequence number and hash, or null for an empty ledger. */
  head(): Promise<ChainHead | null> {
    return this.store.head();
  }

  /** Events in sequence order, parsed. */
  async *read(range?: ReadRange): AsyncIterable<LedgerEvent> {
    for await (const stored of this.store.read(range)) yield toLedgerEvent(stored);
  }

  /** Recompute every hash and link from the stored bytes; see `verifyEvents`. */
  verify(options?: VerifyOptions): Promise<VerifyReport> {
    return verifyEvents(this.store.read(), this.genesis, options);
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async drain(): Promise<void> {
    if (this.writing) return;
    this.writing = true;
    try {
      while (this.pending.length > 0) {
        const group: PendingBatch[] = [];
        let size = 0;
        while (this.pending.length > 0 && (group.length === 0 || size < this.maxGroupEvents)) {
          const next = this.pending.shift() as PendingBatch;
          group.push(next);
          size += next.inputs.length;
        }
        await this.commitGroup(group);
      }
    } finally {
      this.writing = false;
    }
  }

  /** Seal every batch of the group onto the current head and write them in one append. */
  private async commitGroup(group: readonly PendingBatch[]): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      let sealed: { batch: PendingBatch; events: StoredEvent[] }[];
      let head: ChainHead | null;
      try {
        head = await this.store.head();
        const subjects = [...new Set(group.flatMap((b) => b.inputs.flatMap((i) => i.subjects ?? [])))];
        const subjectHeads = new Map<string, SubjectHead>(
          subjects.length === 0 ? [] : await this.store.subjectHeads(subjects),
        );
        sealed = [];
        let tip = head;
        for (const batch of group) {
          try {
            const events = this.seal(batch.inputs, tip, new Map(subjectHeads));
            const last = events[events.length - 1] as StoredEvent;
            for (const e of events) for (const s of e.subjects) subjectHeads.set(s, { seq: e.seq, hash: e.hash });
            tip = { seq: last.seq, hash: last.hash };
            sealed.push({ batch, events });
          } catch (e) {
            batch.reject(e); // only this caller's input was bad; the others go on
          }
        }
        if (sealed.length === 0) return;
        await this.store.append(
          sealed.flatMap((s) => s.events),
          head,
        );
      } catch (e) {
        if (isDaichoError(e, "CONCURRENCY_CONFLICT") && attempt < this.maxRetries) {
          await backoff(attempt);
          continue;
        }
        for (const batch of group) batch.reject(e);
        return;
      }
      const all = sealed.flatMap((s) => s.events.map(toLedgerEvent));
      this.notify(all);
      let offset = 0;
      for (const s of sealed) {
        s.batch.resolve(all.slice(offset, offset + s.events.length));
        offset += s.events.length;
      }
      return;
    }
  }

  /** Listeners run after the events are durable; a throwing listener cannot undo or fail the append. */
  private notify(events: readonly LedgerEvent[]): void {
    for (const listener of this.listeners) {
      try {
        listener(events);
      } catch (e) {
        this.onListenerError(e);
      }
    }
  }

  private seal(
    inputs: readonly EventInput[],
    head: ChainHead | null,
    subjectHeads: Map<string, SubjectHead>,
  ): StoredEvent[] {
    const recordedAt = this.clock().toISOString();
    let seq = head === null ? 0 : head.seq + 1;
    let prevHash = head === null ? this.genesis : head.hash;
    return inputs.map((input, i) => {
      const body = buildBody(input, {
        position: { seq, prevHash },
        id: input.id ?? uuidv7(),
        recordedAt,
        subjectHeads,
      });
      const stored = sealBody(body);
      if (Buffer.byteLength(stored.body, "utf8") > this.maxEventBytes) {
        throw new DaichoError("PAYLOAD_TOO_LARGE", `event exceeds ${this.maxEventBytes} bytes`, {
          path: `$[${i}]`,
        });
      }
      for (const s of stored.subjects) subjectHeads.set(s, { seq: stored.seq, hash: stored.hash });
      seq++;
      prevHash = stored.hash;
      return stored;
    });
  }
}

function decodeBatch(inputs: readonly unknown[]): EventInput[] {
  if (!Array.isArray(inputs)) {
    throw new DaichoError("DECODE_ERROR", "expected an array of events", { path: "$" });
  }
  return inputs.map((input, i) => {
    const result = decodeEventInput(input, `$[${i}]`);
    if (E.isLeft(result)) throw result.left;
    return result.right;
  });
}

/** Parse a stored event into the typed form handed to callers. */
export function toLedgerEvent(stored: StoredEvent): LedgerEvent {
  const body = JSON.parse(stored.body) as Omit<LedgerEvent, "hash">;
  return { ...body, hash: stored.hash } as LedgerEvent;
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(50, 2 ** attempt) * (0.5 + Math.random());
  return new Promise((resolve) => setTimeout(resolve, ms));
}

