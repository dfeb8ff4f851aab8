import * as E from "fp-ts/lib/Either.js";
import { eventHash } from "../chain";
import { readChainVerified } from "../chain-read";
import { DaichoError, isDaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import { decodeSnapshot, encodeBinarySnapshot, encodeSnapshot } from "./snapshot";
import { Views } from "./view-set";

export interface ProjectorOptions {
  readonly ledger: Ledger;
  /**
   * A snapshot from `projector.snapshotBytes()` (v3) or `projector.snapshot()` (v2 text);
   * the runner catches up from its position.
   */
  readonly snapshot?: string | Uint8Array;
  /**
   * Key the snapshot is MACed under, and that `projector.snapshot()` MACs with (at least
   * 32 bytes; see `deriveSnapshotKey`). Without it, `snapshot()` writes an unkeyed snapshot.
   */
  readonly snapshotKey?: Uint8Array;
  /** Restore an unkeyed snapshot (default false: it is refused and the views rebuilt). */
  readonly trustUnkeyedSnapshot?: boolean;
  /** Where failures of `onApplied` listeners and background catch-ups go (default console.error). */
  readonly onError?: (e: unknown) => void;
}

/** What `start` did with the snapshot it was given. */
export type SnapshotRestore =
  | { readonly status: "none" }
  | { readonly status: "restored"; readonly seq: number }
  /** Refused (the reason also went to `onError`); the views were folded from the ledger instead. */
  | { readonly status: "rebuilt"; readonly reason: DaichoError };

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
    /** What happened to the snapshot passed to `start`. */
    readonly restore: SnapshotRestore,
    private readonly snapshotKey: Uint8Array | undefined,
    onError?: (e: unknown) => void,
  ) {
    this.onError =
      onError ?? ((e) => console.error("daicho: projector:", isDaichoError(e) ? e.code : e));
  }

  /**
   * Start a projector: restore (or start empty), subscribe, and catch up to the head.
   * A snapshot is restored only when its tag verifies (under `snapshotKey`, or unkeyed with
   * `trustUnkeyedSnapshot`) and the ledger's stored bytes at its `seq` hash to its `hash`;
   * otherwise it is refused (`restore.status === "rebuilt"`, the reason sent to `onError`)
   * and the views are folded from the start. Every event read is hash- and link-checked
   * (`readChainVerified`) from the restored position, so the fold continues from exactly
   * the snapshot's event; a tampered row rejects with `STORE_CORRUPT`.
   */
  static async start(options: ProjectorOptions): Promise<Projector> {
    let views = new Views();
    let restore: SnapshotRestore = { status: "none" };
    if (options.snapshot !== undefined) {
      const restored = await restoreSnapshot(options, options.snapshot);
      if (E.isRight(restored)) {
        views = restored.right;
        restore = { status: "restored", seq: views.at.seq };
      } else {
        restore = { status: "rebuilt", reason: restored.left };
      }
    }
    const projector = new Projector(
      options.ledger,
      views,
      restore,
      options.snapshotKey,
      options.onError,
    );
    if (restore.status === "rebuilt") projector.onError(restore.reason);
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

  /** Snapshot text (v2) of the current views, MACed under `snapshotKey` when given (see `encodeSnapshot`). */
  snapshot(now?: Date): string {
    return encodeSnapshot(this.views, this.ledger.ledgerId, now, this.snapshotKey);
  }

  /**
   * Binary snapshot (v3) of the current views, MACed under `snapshotKey` when given (see
   * `encodeBinarySnapshot`): about a third of the v2 text's size and restored in about
   * half its time (docs/benchmarks.md, "views snapshot v3").
   */
  snapshotBytes(now?: Date): Uint8Array {
    return encodeBinarySnapshot(this.views, this.ledger.ledgerId, now, this.snapshotKey);
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
      const { seq, hash } = this.views.at;
      const after = seq < 0 ? undefined : { seq, hash: hash ?? "" };
      for await (const e of readChainVerified(this.ledger.store, this.ledger.genesis, after)) {
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

/**
 * The snapshot's views, when its tag verifies and the ledger's event at its `seq` is stored
 * with bytes that hash to its `hash` (that hash commits to the whole chain before it).
 */
async function restoreSnapshot(
  options: ProjectorOptions,
  snapshot: string | Uint8Array,
): Promise<E.Either<DaichoError, Views>> {
  const { ledger } = options;
  const decoded = decodeSnapshot(snapshot, ledger.ledgerId, {
    ...(options.snapshotKey !== undefined ? { key: options.snapshotKey } : {}),
    trustUnkeyedSnapshot: options.trustUnkeyedSnapshot === true,
  });
  if (E.isLeft(decoded)) return decoded;
  const views = decoded.right.views;
  const { seq, hash } = views.at;
  if (seq < 0) return E.right(views);
  const stored = await ledger.store.get(seq);
  if (
    stored === undefined ||
    stored.hash !== hash ||
    eventHash(stored.body) !== hash ||
    bodySeq(stored.body) !== seq
  ) {
    return E.left(
      new DaichoError(
        "LEDGER_MISMATCH",
        "snapshot does not match this ledger's history: delete it and let the projector rebuild",
        { path: `seq ${seq}` },
      ),
    );
  }
  return E.right(views);
}

function bodySeq(body: string): unknown {
  try {
    return (JSON.parse(body) as { seq?: unknown }).seq;
  } catch {
    return undefined;
  }
}
