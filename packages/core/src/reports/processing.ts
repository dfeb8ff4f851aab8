import type { PayloadOf } from "../events/catalogue";
import { ms } from "../views/event";
import { type EventSource, inWindow, type Window } from "./source";

/** One purpose's entry in the records of processing (GDPR Art. 30(1)(b)–(f)). */
export interface ProcessingActivity {
  readonly purpose: string;
  /** Lawful bases recorded for the purpose, with how many grants cite each (Art. 6). */
  readonly lawfulBases: Readonly<Record<string, number>>;
  /** Categories of personal data: field names processed for the purpose (Art. 30(1)(c)). */
  readonly dataCategories: readonly string[];
  /** Categories of data subjects: resource types processed for the purpose. */
  readonly subjectCategories: readonly string[];
  /** Recipients, by relationship (Art. 30(1)(d)). */
  readonly recipients: readonly {
    readonly kind: string;
    readonly id: string;
    readonly relationship: string;
  }[];
  /** Retention policies set for the purpose (Art. 30(1)(f)). */
  readonly retention: readonly {
    readonly policyId: string;
    readonly period: string;
    readonly trigger: string;
  }[];
  readonly accesses: number;
  readonly exports: number;
  readonly firstSeen: string;
  readonly lastSeen: string;
}

interface Acc {
  bases: Map<string, number>;
  fields: Set<string>;
  types: Set<string>;
  recipients: Map<string, { kind: string; id: string; relationship: string }>;
  retention: Map<string, { policyId: string; period: string; trigger: string }>;
  accesses: number;
  exports: number;
  first: string;
  last: string;
}

/**
 * Records of processing activities (GDPR Art. 30(1)) derived from the events rather than
 * kept by hand: per purpose, the lawful bases, the data categories (field names), the
 * subject categories (resource types), the recipients and the retention policies. Only
 * allowed accesses count as processing.
 */
export async function recordsOfProcessing(
  events: EventSource,
  window: Window = {},
): Promise<ProcessingActivity[]> {
  const byPurpose = new Map<string, Acc>();
  const acc = (purpose: string, at: string): Acc => {
    let a = byPurpose.get(purpose);
    if (a === undefined) {
      a = {
        bases: new Map(),
        fields: new Set(),
        types: new Set(),
        recipients: new Map(),
        retention: new Map(),
        accesses: 0,
        exports: 0,
        first: at,
        last: at,
      };
      byPurpose.set(purpose, a);
    }
    if (at < a.first) a.first = at;
    if (at > a.last) a.last = at;
    return a;
  };
  for await (const e of events) {
    if (!inWindow(ms(e.occurredAt), window)) continue;
    switch (e.type) {
      case "consent.granted": {
        const p = e.payload as PayloadOf<"consent.granted">;
        const a = acc(p.purpose, e.occurredAt);
        a.bases.set(p.lawfulBasis, (a.bases.get(p.lawfulBasis) ?? 0) + 1);
        break;
      }
      case "data.accessed": {
        const p = e.payload as PayloadOf<"data.accessed">;
        if (p.outcome !== "allowed") break;
        const a = acc(p.purpose, e.occurredAt);
        a.accesses++;
        a.types.add(p.resource.type);
        const masked = new Set<string>(p.maskedFields ?? []);
        for (const f of p.fields) if (!masked.has(f)) a.fields.add(f);
        break;
      }
      case "data.exported": {
        const p = e.payload as PayloadOf<"data.exported">;
        const a = acc(p.purpose, e.occurredAt);
        a.exports++;
        if (p.resourceType !== undefined) a.types.add(p.resourceType);
        for (const f of p.fields) a.fields.add(f);
        break;
      }
      case "data.shared": {
        const p = e.payload as PayloadOf<"data.shared">;
        const a = acc(p.purpose, e.occurredAt);
        for (const f of p.fields) a.fields.add(f);
        a.recipients.set(`${p.recipient.kind}\u0000${p.recipient.id}`, {
          kind: p.recipient.kind,
          id: p.recipient.id,
          relationship: p.relationship,
        });
        a.bases.set(p.legalBasis, (a.bases.get(p.legalBasis) ?? 0) + 1);
        break;
      }
      case "retention.policy-set": {
        const p = e.payload as PayloadOf<"retention.policy-set">;
        if (!("purpose" in p.appliesTo)) break;
        const a = acc(p.appliesTo.purpose as string, e.occurredAt);
        a.retention.set(p.policyId, { policyId: p.policyId, period: p.period, trigger: p.trigger });
        break;
      }
    }
  }
  return [...byPurpose]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([purpose, a]) => ({
      purpose,
      lawfulBases: Object.fromEntries([...a.bases].sort()),
      dataCategories: [...a.fields].sort(),
      subjectCategories: [...a.types].sort(),
      recipients: [...a.recipients.values()],
      retention: [...a.retention.values()],
      accesses: a.accesses,
      exports: a.exports,
      firstSeen: a.first,
      lastSeen: a.last,
    }));
}
