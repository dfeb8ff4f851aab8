import type { SubjectHead } from "../chain";
import type { LedgerEvent } from "../events/envelope";

/** A legal hold in force over a subject. */
export interface ActiveHold {
  readonly holdId: string;
  readonly reason: string;
  readonly placedAt: string;
  readonly until?: string;
}

/** What the erasure module needs to know about one subject, folded from its own events. */
export interface SubjectErasureState {
  readonly subject: string;
  /** Events about the subject, in order. */
  readonly eventCount: number;
  /** The latest event folded (null: none): what a decision on this state was made on. */
  readonly head: SubjectHead | null;
  /** Events holding at least one personal field sealed under the subject's key. */
  readonly eventsWithPersonal: number;
  /** Key ids seen in the subject's sealed fields. */
  readonly keyIdsSeen: ReadonlySet<string>;
  readonly holds: ReadonlyMap<string, ActiveHold>;
  /** The fence, if recorded: which request and which keys. */
  readonly fence?: {
    readonly requestId: string;
    readonly keyIds: readonly string[];
    readonly event: LedgerEvent;
  };
  /** Completions recorded, by request id. */
  readonly completions: ReadonlyMap<string, LedgerEvent<"erasure.completed">>;
  readonly requests: ReadonlyMap<string, LedgerEvent<"erasure.requested">>;
  /** Event types the subject appears in, with the latest `occurredAt` of each. */
  readonly lastByType: ReadonlyMap<string, string>;
}

/**
 * Fold a subject's events (as read from the store's subject index) into its erasure
 * state: holds in force at `now`, fence, requests and completions, and how many events
 * carry the subject's sealed fields. Pure; cost is the subject's own events.
 */
export function foldSubjectState(
  subject: string,
  events: Iterable<LedgerEvent>,
  now: Date,
): SubjectErasureState {
  const holds = new Map<string, ActiveHold>();
  const keyIdsSeen = new Set<string>();
  const completions = new Map<string, LedgerEvent<"erasure.completed">>();
  const requests = new Map<string, LedgerEvent<"erasure.requested">>();
  const lastByType = new Map<string, string>();
  let fence: SubjectErasureState["fence"];
  let eventCount = 0;
  let eventsWithPersonal = 0;
  let head: SubjectHead | null = null;
  for (const e of events) {
    eventCount++;
    head = { seq: e.seq, hash: e.hash };
    lastByType.set(e.type, e.occurredAt);
    let mine = false;
    for (const f of e.personal ?? []) {
      if (f.subject !== subject) continue;
      mine = true;
      keyIdsSeen.add(f.keyId);
    }
    if (mine) eventsWithPersonal++;
    switch (e.type) {
      case "legal-hold.placed": {
        const p = (e as LedgerEvent<"legal-hold.placed">).payload;
        holds.set(p.holdId, {
          holdId: p.holdId,
          reason: p.reason,
          placedAt: e.occurredAt,
          ...(p.until ? { until: p.until } : {}),
        });
        break;
      }
      case "legal-hold.released":
        holds.delete((e as LedgerEvent<"legal-hold.released">).payload.holdId);
        break;
      case "erasure.fenced": {
        const p = (e as LedgerEvent<"erasure.fenced">).payload;
        fence ??= { requestId: p.requestId, keyIds: p.keyIds, event: e };
        break;
      }
      case "erasure.completed": {
        const c = e as LedgerEvent<"erasure.completed">;
        completions.set(c.payload.requestId, c);
        fence ??= { requestId: c.payload.requestId, keyIds: c.payload.keyIds, event: e };
        break;
      }
      case "erasure.requested": {
        const r = e as LedgerEvent<"erasure.requested">;
        requests.set(r.payload.requestId, r);
        break;
      }
    }
  }
  const t = now.getTime();
  for (const [id, h] of holds)
    if (h.until !== undefined && Date.parse(h.until) <= t) holds.delete(id);
  return {
    subject,
    eventCount,
    head,
    eventsWithPersonal,
    keyIdsSeen,
    holds,
    ...(fence ? { fence } : {}),
    completions,
    requests,
    lastByType,
  };
}
