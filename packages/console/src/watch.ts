/**
 * The console's one pass over new events: verify them incrementally from the last
 * verified head, which is kept in memory, and fold what the pages show (alerts and their
 * handling, counts, the most recent events, erasure requests, requests of every right,
 * incidents) from the same verified bytes. A page costs the events appended
 * since the previous page, never a whole-ledger scan; the first call after start reads
 * the ledger once.
 *
 * Checked per new event, as `verifyEvents` does from genesis: the stored bytes hash to the
 * stored hash, the body's `seq` is the next one, and its `prevHash` is the verified hash
 * before it. Each pass also re-reads the verified head's own event and requires the same
 * hash (a rewrite of it, or a rollback of the store, is found). Not checked here: events
 * before the verified head edited after they were verified, the columns, the subject
 * index and the Merkle tree — that is `ledger.verify()` (the console's full verify,
 * `daicho verify` for auditors). Once a failure is found it sticks: the watch stops
 * advancing and the console refuses every state change (`STORE_CORRUPT`).
 */

import {
  type ChainHead,
  DaichoError,
  EVENT_PAYLOADS,
  eventHash,
  isDaichoError,
  type LedgerEvent,
  readByTypeVerified,
  type Store,
  type StoredEvent,
} from "@daicho/core";
import { ERASURE_REQUEST_TYPES, ErasureView } from "@daicho/core/erasure";
import { applyIncidentEvent, type Incident } from "@daicho/core/incidents";
import type { Regulations } from "@daicho/core/reports";
import { applyRequestEvent, type DataSubjectRequest } from "@daicho/core/requests";
import { AlertsView } from "@daicho/core/views";

/** What the incremental verification found so far. */
export type WatchReport =
  | { readonly ok: true; readonly head: ChainHead | null; readonly count: number }
  | {
      readonly ok: false;
      /** The last head that verified (null: none). */
      readonly head: ChainHead | null;
      readonly count: number;
      readonly failure: { readonly seq: number; readonly kind: string; readonly reason: string };
    };

/** An alert as the console lists it: the payload of `alert.raised` and where it is. */
export interface AlertRow {
  readonly seq: number;
  readonly at: string;
  readonly alertId: string;
  readonly rule: string;
  readonly severity: string;
  readonly actorId: string;
  readonly count?: number;
  readonly threshold?: number;
  readonly windowMs?: number;
  readonly triggeredBy?: readonly string[];
  readonly destination?: { readonly kind: string; readonly id: string };
  readonly detail?: string;
}

/** Most alerts and recent events kept in memory (older ones stay in the ledger). */
const MAX_ALERTS = 2000;
const MAX_RECENT = 200;

export class LedgerWatch {
  private head: ChainHead | null = null;
  private count = 0;
  private failure: Failure | undefined;
  private running: Promise<WatchReport> | undefined;
  /** Newest last. */
  readonly alerts: AlertRow[] = [];
  alertTotal = 0;
  readonly typeCounts = new Map<string, number>();
  /** The newest verified events, newest last. */
  readonly recent: LedgerEvent[] = [];
  /** Erasure requests, holds and retention facts, folded from the verified events. */
  readonly erasure = new ErasureView();
  /** Data-subject requests of every right (`@daicho/core/requests`' fold), by id. */
  readonly requests = new Map<string, DataSubjectRequest>();
  /** Incidents (`@daicho/core/incidents`' fold), by id. */
  readonly incidents = new Map<string, Incident>();
  /** Every alert with its acknowledgement and resolution (the views' alerts fold). */
  readonly alertStates = new AlertsView();

  constructor(
    private readonly store: Store,
    private readonly genesis: string,
    private readonly regulations?: Regulations,
    /** A head verified in full before: start from it instead of genesis (see `seedFromHeld`). */
    private held?: ChainHead,
  ) {}

  /** Verify and fold the events appended since the last call; concurrent calls share one pass. */
  catchUp(): Promise<WatchReport> {
    if (this.running === undefined) {
      this.running = this.pass().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  /** The report as of the last pass, without reading the store. */
  report(): WatchReport {
    return this.failure === undefined
      ? { ok: true, head: this.head, count: this.count }
      : { ok: false, head: this.head, count: this.count, failure: this.failure };
  }

  /** Throws `STORE_CORRUPT` once a pass found a failure: no decision on a broken ledger. */
  assertIntact(): void {
    if (this.failure !== undefined) {
      throw new DaichoError(
        "STORE_CORRUPT",
        `the ledger failed verification at event ${this.failure.seq} (${this.failure.kind}); nothing is changed until an operator runs \`daicho verify\` and restores it`,
        { details: { seq: this.failure.seq, kind: this.failure.kind } },
      );
    }
  }

  private async pass(): Promise<WatchReport> {
    if (this.failure !== undefined) return this.report();
    if (this.held !== undefined) {
      const seeded = await this.seedFromHeld(this.held);
      this.held = undefined;
      if (seeded !== undefined) return seeded;
    }
    const claimed = await this.store.head();
    const verified = this.head;
    if (verified !== null && (claimed === null || claimed.seq < verified.seq)) {
      return this.fail(
        verified.seq,
        "truncated",
        "the store's head is behind a head verified earlier",
      );
    }
    if (claimed === null) return this.report();
    const from = verified === null ? 0 : verified.seq;
    for await (const stored of this.store.read({ from, to: claimed.seq + 1 })) {
      if (verified !== null && stored.seq === verified.seq) {
        if (stored.hash !== verified.hash || eventHash(stored.body) !== verified.hash)
          return this.fail(verified.seq, "head-mismatch", "the event at the verified head changed");
        continue;
      }
      const checked = checkNext(stored, this.head, this.genesis);
      if ("kind" in checked) return this.fail(checked.seq, checked.kind, checked.reason);
      const event = checked;
      this.head = { seq: event.seq, hash: stored.hash };
      this.count = event.seq + 1;
      this.fold(event);
    }
    if (this.head === null || this.head.seq < claimed.seq)
      return this.fail(this.count, "event-missing", "the store ends before the head it reports");
    return this.report();
  }

  /**
   * Start from a head verified in full before (the host's `daicho verify`, or the head an
   * earlier console process reached): fold the lists the pages show — erasure requests,
   * requests of every right, incidents, alerts and their handling — from the store's index
   * by type up to that head, each event hash- and type-checked (`readByTypeVerified`), and
   * take the held head as the verified head. The pass that follows re-reads the held
   * head's own event and requires its hash (a wrong `hash` with the right `seq`, a rewrite,
   * or a store behind the held head fails there), then verifies every later event as
   * usual. Trusted, not re-checked: the events before the held head (that is what holding
   * a verified head means) and the index's completeness — an index entry removed before
   * the head is not seen here; `ledger.verify()` compares the index with the bodies.
   * Counts of other types before the head are not folded (the status card counts from the
   * held head on). A failed check of an indexed event is a watch failure (sticks).
   */
  private async seedFromHeld(held: ChainHead): Promise<WatchReport | undefined> {
    try {
      for await (const e of readByTypeVerified(this.store, SEED_TYPES, 0)) {
        if (e.seq > held.seq) break;
        this.erasure.applyRequest(e);
        this.foldLists(e);
      }
    } catch (e) {
      if (!isDaichoError(e, "STORE_CORRUPT")) throw e;
      const seq = Number((e.details as { seq?: unknown } | undefined)?.seq ?? 0);
      return this.fail(
        seq,
        "index-event-corrupt",
        "an event read through the type index does not verify",
      );
    }
    this.head = { seq: held.seq, hash: held.hash };
    this.count = held.seq + 1;
    return undefined;
  }

  private fail(seq: number, kind: string, reason: string): WatchReport {
    this.failure = { seq, kind, reason };
    return this.report();
  }

  private fold(e: LedgerEvent): void {
    this.erasure.apply(e);
    this.foldLists(e);
    this.recent.push(e);
    if (this.recent.length > MAX_RECENT) this.recent.shift();
  }

  /** The folds of the lists pages show (all from event types in `SEED_TYPES`), and counts. */
  private foldLists(e: LedgerEvent): void {
    applyRequestEvent(this.requests, e);
    applyIncidentEvent(this.incidents, e, this.regulations);
    this.alertStates.apply(e);
    this.typeCounts.set(e.type, (this.typeCounts.get(e.type) ?? 0) + 1);
    if (e.type !== "alert.raised") return;
    const p = (e as LedgerEvent<"alert.raised">).payload;
    this.alertTotal++;
    this.alerts.push({ seq: e.seq, at: e.occurredAt, ...p });
    if (this.alerts.length > MAX_ALERTS) this.alerts.shift();
  }
}

/**
 * The event types the page lists are folded from: erasure requests, requests of every
 * right, incidents, alerts and their handling (what `seedFromHeld` reads by type).
 */
export const SEED_TYPES: readonly string[] = [
  ...ERASURE_REQUEST_TYPES,
  ...Object.keys(EVENT_PAYLOADS).filter((t) => /^(request|incident)\./.test(t)),
  "alert.raised",
  "alert.acknowledged",
  "alert.resolved",
];

/** A failure at `seq`, as `WatchReport` names it. */
type Failure = (WatchReport & { ok: false })["failure"];

/**
 * Check one stored event as the one after `head` (null: the first, linking to `genesis`):
 * its bytes hash to its hash, its body's `seq` is the next, its `prevHash` is `head`'s.
 */
export function checkNext(
  stored: StoredEvent,
  head: ChainHead | null,
  genesis: string,
): LedgerEvent | Failure {
  const expected = head === null ? 0 : head.seq + 1;
  if (eventHash(stored.body) !== stored.hash)
    return {
      seq: expected,
      kind: "content-changed",
      reason: "stored bytes do not hash to the stored hash",
    };
  const event = parse(stored.body, stored.hash);
  if (event === undefined)
    return { seq: expected, kind: "malformed", reason: "stored body is not an event envelope" };
  if (event.seq !== expected)
    return {
      seq: expected,
      kind: "order-changed",
      reason: `expected event ${expected}, read ${event.seq}`,
    };
  if ((event as { prevHash?: unknown }).prevHash !== (head === null ? genesis : head.hash))
    return {
      seq: expected,
      kind: "chain-forked",
      reason: "the event does not link to the one before it",
    };
  return event;
}

/**
 * Every event from genesis up to the store's current head, each checked by `checkNext`
 * before it is yielded; rejects `STORE_CORRUPT` at the first that fails. For evidence
 * exports, which must be derived from verified bytes only.
 */
export async function* readVerified(store: Store, genesis: string): AsyncIterable<LedgerEvent> {
  const claimed = await store.head();
  if (claimed === null) return;
  let head: ChainHead | null = null;
  for await (const stored of store.read({ to: claimed.seq + 1 })) {
    const checked = checkNext(stored, head, genesis);
    if ("kind" in checked) {
      throw new DaichoError(
        "STORE_CORRUPT",
        `event ${checked.seq} does not verify (${checked.kind}): run \`daicho verify\``,
        {
          details: { seq: checked.seq, kind: checked.kind },
        },
      );
    }
    head = { seq: checked.seq, hash: checked.hash };
    yield checked;
  }
  if (head === null || head.seq < claimed.seq)
    throw new DaichoError(
      "STORE_CORRUPT",
      "the store ends before the head it reports: run `daicho verify`",
      {},
    );
}

function parse(body: string, hash: string): LedgerEvent | undefined {
  try {
    const value = JSON.parse(body) as unknown;
    if (typeof value !== "object" || value === null) return undefined;
    const e = value as { seq?: unknown; type?: unknown; occurredAt?: unknown };
    if (!Number.isSafeInteger(e.seq) || typeof e.type !== "string") return undefined;
    return { ...(value as Omit<LedgerEvent, "hash">), hash } as LedgerEvent;
  } catch {
    return undefined;
  }
}
