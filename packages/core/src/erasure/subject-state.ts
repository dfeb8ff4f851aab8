import type { SubjectHead } from "../chain";
import type { LedgerEvent } from "../events/envelope";
import { keyIdCategory } from "../keys/categories";

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
  /** Per erasure category (spec §10.11), what the subject's events sealed under its keys. */
  readonly byCategory: ReadonlyMap<string, CategoryFacts>;
  /** Category fences recorded, by category (the first one of each). */
  readonly categoryFences: ReadonlyMap<string, CategoryFence>;
  /** Category completions recorded, by request id. */
  readonly categoryCompletions: ReadonlyMap<string, LedgerEvent<"erasure.category-completed">>;
}

/** A recorded category fence: which request, the category's fields then, and the keys. */
export interface CategoryFence {
  readonly requestId: string;
  readonly fields: readonly string[];
  readonly keyIds: readonly string[];
  readonly event: LedgerEvent;
}

/** What a subject's events sealed under the keys of one category (their key ids name it). */
export interface CategoryFacts {
  readonly keyIds: Set<string>;
  /** Events holding at least one of the subject's fields sealed under the category's keys. */
  events: number;
  /** Event types with such a field, with the latest `occurredAt` of each. */
  readonly lastByType: Map<string, string>;
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
  const byCategory = new Map<string, CategoryFacts>();
  const categoryFences = new Map<string, CategoryFence>();
  const categoryCompletions = new Map<string, LedgerEvent<"erasure.category-completed">>();
  for (const e of events) {
    eventCount++;
    head = { seq: e.seq, hash: e.hash };
    lastByType.set(e.type, e.occurredAt);
    let mine = false;
    const categories = new Set<string>();
    for (const f of e.personal ?? []) {
      if (f.subject !== subject) continue;
      mine = true;
      keyIdsSeen.add(f.keyId);
      const c = keyIdCategory(f.keyId);
      if (c === undefined) continue;
      categories.add(c);
      categoryFacts(byCategory, c).keyIds.add(f.keyId);
    }
    if (mine) eventsWithPersonal++;
    for (const c of categories) {
      const facts = categoryFacts(byCategory, c);
      facts.events++;
      facts.lastByType.set(e.type, e.occurredAt);
    }
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
      case "erasure.category-fenced": {
        const p = (e as LedgerEvent<"erasure.category-fenced">).payload;
        if (!categoryFences.has(p.category))
          categoryFences.set(p.category, {
            requestId: p.requestId,
            fields: p.fields,
            keyIds: p.keyIds,
            event: e,
          });
        break;
      }
      case "erasure.category-completed": {
        const c = e as LedgerEvent<"erasure.category-completed">;
        categoryCompletions.set(c.payload.requestId, c);
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
    byCategory,
    categoryFences,
    categoryCompletions,
  };
}

function categoryFacts(map: Map<string, CategoryFacts>, category: string): CategoryFacts {
  let facts = map.get(category);
  if (facts === undefined) {
    facts = { keyIds: new Set(), events: 0, lastByType: new Map() };
    map.set(category, facts);
  }
  return facts;
}
