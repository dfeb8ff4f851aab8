import * as E from "fp-ts/lib/Either.js";
import { DaichoError, isDaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import { decodeSnapshot, encodeSnapshot } from "./snapshot";
import { Views } from "./view-set";

export interface ProjectorOptions {
  readonly ledger: Ledger;
  /** Snapshot text from `projector.snapshot()`; the runner catches up from its position. */
  readonly snapshot?: string;
  /** Where failures of `onApplied` listeners and background catch-ups go (default console.error). */
  readonly onError?: (e: unknown) => void;
}

/** Called with the events just folded into the views, in sequence order. */
export type AppliedListener = (events: readonly LedgerEvent[], views: Views) => void;

/**
 * Keeps a {@link Views} in step with a ledger: restores a snapshot (checking that the
 * ledger still holds the event the snapshot ends at, with the same hash), reads what was
 * appended since, then follows `ledger.onAppend`. Live events arrive synchronously before
 * `ledger.append` resolves, so a caller that awaited an append sees it in the views.
 * A gap (events appended by another process) triggers a read of the missing range.
 */
export class Projector {
  private readonly listeners = new Set<AppliedListener>();
  private readonly buffer: LedgerEvent[] = [];
  private catching: Promise<void> | null = null;
  /** True from the start of a catch-up until its final synchronous drain (not a microtask later). */
  private reading = false;
  private unsubscribe: (() => void) | null = null;
  private readonly onError: (e: unknown) => void;

  private constructor(
    readonly ledger: Ledger,
    readonly views: Views,
    onError?: (e: unknown) => void,
  ) {
    this.onError =
      onError ?? ((e) => console.error("daicho: projector:", isDaichoError(e) ? e.code : e));
  }

  /**
   * Start a projector: restore (or start empty), subscribe, and catch up to the head.
   * Rejects with `LEDGER_MISMATCH` when the snapshot's last event is not in this ledger
   * with the same hash, and with the snapshot's decode error when it is malformed.
   */
  static async start(options: ProjectorOptions): Promise<Projector> {
    let views = new Views();
    if (options.snapshot !== undefined) {
      const restored = decodeSnapshot(options.snapshot, options.ledger.ledgerId);
      if (E.isLeft(restored)) throw restored.left;
      views = restored.right.views;
      const { seq, hash } = views.at;
      if (seq >= 0) {
        const stored = await options.ledger.store.get(seq);
        if (stored === undefined || stored.hash !== hash) {
          throw new DaichoError(
            "LEDGER_MISMATCH",
            "snapshot does not match this ledger's history",
            {
              path: `seq ${seq}`,
            },
          );
        }
      }
    }
    const projector = new Projector(options.ledger, views, options.onError);
    projector.unsubscribe = options.ledger.onAppend((events) => projector.receive(events));
    await projector.catchUp();
    return projector;
  }

  /** Register a listener run after each batch is folded in; returns a function removing it. */
  onApplied(listener: AppliedListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Read and fold every event after the views' position up to the ledger's head
   * (call it to pick up appends made by other processes). Concurrent calls share one read.
   */
  catchUp(): Promise<void> {
    if (this.reading && this.catching !== null) return this.catching;
    this.reading = true;
    this.catching = this.readMissing();
    return this.catching;
  }

  /** Snapshot text of the current views (see `encodeSnapshot`). */
  snapshot(now?: Date): string {
    return encodeSnapshot(this.views, this.ledger.ledgerId, now);
  }

  /** Stop following the ledger. */
  stop(): void {
    this.unsubscribe?.();
    this.unsubscribe = null;
  }

  private receive(events: readonly LedgerEvent[]): void {
    if (this.reading) {
      this.buffer.push(...events);
      return;
    }
    const applied: LedgerEvent[] = [];
    for (const e of events) {
      if (e.seq <= this.views.at.seq) continue;
      if (e.seq !== this.views.at.seq + 1) {
        this.buffer.push(...events.filter((x) => x.seq >= e.seq));
        this.catchUp().catch(this.onError);
        break;
      }
      this.views.apply(e);
      applied.push(e);
    }
    this.notify(applied);
  }

  private async readMissing(): Promise<void> {
    try {
      await this.readUntilCaughtUp();
    } catch (e) {
      this.reading = false;
      throw e;
    }
  }

  private async readUntilCaughtUp(): Promise<void> {
    for (;;) {
      const applied: LedgerEvent[] = [];
      for await (const e of this.ledger.read({ from: this.views.at.seq + 1 })) {
        if (e.seq !== this.views.at.seq + 1) continue;
        this.views.apply(e);
        applied.push(e);
      }
      // Drain what arrived live while we were reading; a gap means read again.
      let gap = false;
      const pending = this.buffer.splice(0).sort((a, b) => a.seq - b.seq);
      for (const e of pending) {
        if (e.seq <= this.views.at.seq) continue;
        if (e.seq !== this.views.at.seq + 1) {
          gap = true;
          break;
        }
        this.views.apply(e);
        applied.push(e);
      }
      if (!gap) this.reading = false; // live events now apply directly, in this same tick
      this.notify(applied);
      if (!gap) return;
    }
  }

  private notify(events: readonly LedgerEvent[]): void {
    if (events.length === 0) return;
    for (const listener of this.listeners) {
      try {
        listener(events, this.views);
      } catch (e) {
        this.onError(e);
      }
    }
  }
}
