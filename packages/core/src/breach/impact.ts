import type { LedgerEvent } from "../events/envelope";
import { addDays, DEFAULT_REGULATIONS, type Regulations } from "../reports/regulations";
import type { EventSource } from "../reports/source";
import { LEVELS, levelRank } from "../views/classification";
import { type Instant, instantMs, ms, subjectsOf } from "../views/event";
import type { Views } from "../views/view-set";

/** Which recorded activity is suspected: any combination of actor, address and device, in a window. */
export interface ImpactQuery {
  readonly actor?: string;
  readonly ip?: string;
  readonly device?: string;
  readonly from: Instant;
  readonly to: Instant;
}

export interface ImpactOptions {
  /** When the controller became aware of the breach: deadlines run from here (default: now). */
  readonly awareAt?: Instant;
  /** Unauthorised access or an insider taking data (APPI Rules Art. 7(iii); 60-day final report). */
  readonly improperPurpose?: boolean;
  /** Field names holding sensitive data (要配慮個人情報, APPI Rules Art. 7(i)). */
  readonly sensitiveFields?: readonly string[];
  /** Field names whose leak risks financial loss: card numbers, bank credentials (Rules Art. 7(ii)). */
  readonly financialFields?: readonly string[];
  /** Whether keys left the key store; sealed fields are exempt only if they did not. */
  readonly keysLeaked?: boolean;
  /** Level of items never classified (default `internal`). */
  readonly defaultLevel?: (typeof LEVELS)[number];
  readonly regulations?: Regulations;
}

export interface AffectedSubject {
  readonly id: string;
  readonly fields: readonly string[];
  readonly levels: readonly string[];
  readonly purposes: readonly string[];
  readonly events: number;
  readonly firstAt: string;
  readonly lastAt: string;
  /** Erased (keys destroyed) as far as the views know: the contact details are gone, so not notifiable. */
  readonly erased: boolean;
}

export interface ImpactReport {
  readonly query: { actor?: string; ip?: string; device?: string; from: string; to: string };
  readonly awareAt: string;
  readonly eventsMatched: number;
  /** Denied attempts by the same actor/address/device: attempted, not disclosed. */
  readonly deniedAttempts: number;
  readonly subjects: readonly AffectedSubject[];
  readonly totals: {
    readonly subjects: number;
    readonly fields: readonly string[];
    readonly levels: readonly string[];
    readonly purposes: readonly string[];
    readonly highestLevel: string | null;
  };
  /** Field names the ledger holds sealed under per-subject keys (APPI exemption if keys did not leak). */
  readonly encryptedFields: readonly string[];
  readonly keysLeaked: boolean | null;
  readonly gdpr: {
    /** Art. 33(1): notify the supervisory authority by this instant. */
    readonly authorityDeadline: string;
    readonly clause: string;
  };
  readonly appi: {
    /** Rules Art. 7: whether the leak is reportable, and which criteria apply. */
    readonly reportable: boolean;
    readonly triggers: readonly (
      | "sensitive-data"
      | "financial-loss"
      | "improper-purpose"
      | "more-than-threshold"
    )[];
    readonly preliminaryDeadline: { readonly earliest: string; readonly latest: string };
    readonly finalDeadline: string;
    readonly clause: string;
  };
  /** Subjects to notify (GDPR Art. 34; APPI Art. 26(2)), erased subjects excluded. */
  readonly subjectsToNotify: readonly string[];
}

const DISCLOSING = new Set([
  "data.accessed",
  "data.exported",
  "data.shared",
  "record.updated",
  "record.created",
]);

interface Acc {
  fields: Set<string>;
  levels: Set<string>;
  purposes: Set<string>;
  events: number;
  first: string;
  last: string;
}

/**
 * Breach impact: from the recorded events, which subjects, fields, classification levels
 * and purposes the suspected actor, address or device touched in [from, to), and the
 * deadlines that follow (GDPR Art. 33(1) 72 hours; APPI Art. 26 with Rules Arts. 7–8:
 * preliminary in about 3–5 days, final in 30 or 60 days). Classification is taken as it
 * stood when each event happened. Denied attempts are counted, not treated as disclosure;
 * masked fields are excluded.
 */
export async function impact(
  events: EventSource,
  views: Views,
  query: ImpactQuery,
  options: ImpactOptions = {},
): Promise<ImpactReport> {
  const regs = options.regulations ?? DEFAULT_REGULATIONS;
  const from = instantMs(query.from);
  const to = instantMs(query.to);
  const awareAt = options.awareAt === undefined ? Date.now() : instantMs(options.awareAt);
  const defaultLevel = options.defaultLevel ?? "internal";
  const bySubject = new Map<string, Acc>();
  const sealed = new Set<string>();
  let matched = 0;
  let denied = 0;
  for await (const e of events) {
    for (const s of e.personal ?? []) sealed.add(s.field);
    const at = ms(e.occurredAt);
    if (at < from || at >= to || !DISCLOSING.has(e.type) || !matches(e, query)) continue;
    const p = e.payload as {
      resource?: { type: string; id: string };
      fields?: readonly string[];
      purpose?: string;
      outcome?: string;
      maskedFields?: readonly string[];
    };
    if (p.outcome === "denied") {
      denied++;
      continue;
    }
    matched++;
    const masked = new Set(p.maskedFields ?? []);
    const fields = (p.fields ?? []).filter((f) => !masked.has(f));
    const levels = new Set<string>();
    if (p.resource !== undefined) {
      const own =
        views.classification.resourceAt(p.resource.type, p.resource.id, at)?.level ?? defaultLevel;
      levels.add(own);
      for (const f of fields) {
        const fl = views.classification.fieldAt(p.resource.type, p.resource.id, f, at)?.level;
        if (fl !== undefined) levels.add(levelRank(fl) > levelRank(own) ? fl : own);
      }
    } else {
      levels.add(defaultLevel);
    }
    let subjects = subjectsOf(e);
    if (subjects.length === 0 && p.resource !== undefined)
      subjects = [...(views.records.record(p.resource.type, p.resource.id)?.subjects ?? [])];
    for (const s of subjects) {
      let a = bySubject.get(s);
      if (a === undefined) {
        a = {
          fields: new Set(),
          levels: new Set(),
          purposes: new Set(),
          events: 0,
          first: e.occurredAt,
          last: e.occurredAt,
        };
        bySubject.set(s, a);
      }
      for (const f of fields) a.fields.add(f);
      for (const l of levels) a.levels.add(l);
      if (p.purpose !== undefined) a.purposes.add(p.purpose);
      a.events++;
      if (e.occurredAt < a.first) a.first = e.occurredAt;
      if (e.occurredAt > a.last) a.last = e.occurredAt;
    }
  }
  const subjects: AffectedSubject[] = [...bySubject]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([id, a]) => ({
      id,
      fields: [...a.fields].sort(),
      levels: sortLevels(a.levels),
      purposes: [...a.purposes].sort(),
      events: a.events,
      firstAt: a.first,
      lastAt: a.last,
      erased: views.records.isErasedAt(id, Number.POSITIVE_INFINITY),
    }));
  const allFields = new Set(subjects.flatMap((s) => s.fields));
  const allLevels = sortLevels(new Set(subjects.flatMap((s) => s.levels)));
  const triggers: ImpactReport["appi"]["triggers"][number][] = [];
  const exposedPlain = (f: string) =>
    allFields.has(f) && (options.keysLeaked !== false || !sealed.has(f));
  if ((options.sensitiveFields ?? []).some(exposedPlain)) triggers.push("sensitive-data");
  if ((options.financialFields ?? []).some(exposedPlain)) triggers.push("financial-loss");
  if (options.improperPurpose === true && subjects.length > 0) triggers.push("improper-purpose");
  if (subjects.length > regs.appi.reportablePeopleThreshold) triggers.push("more-than-threshold");
  const iso = (n: number) => new Date(n).toISOString();
  return {
    query: {
      ...(query.actor ? { actor: query.actor } : {}),
      ...(query.ip ? { ip: query.ip } : {}),
      ...(query.device ? { device: query.device } : {}),
      from: iso(from),
      to: iso(to),
    },
    awareAt: iso(awareAt),
    eventsMatched: matched,
    deniedAttempts: denied,
    subjects,
    totals: {
      subjects: subjects.length,
      fields: [...allFields].sort(),
      levels: allLevels,
      purposes: [...new Set(subjects.flatMap((s) => s.purposes))].sort(),
      highestLevel: allLevels[allLevels.length - 1] ?? null,
    },
    encryptedFields: [...sealed].sort(),
    keysLeaked: options.keysLeaked ?? null,
    gdpr: {
      authorityDeadline: iso(awareAt + regs.gdpr.authorityNotificationHours * 3_600_000),
      clause: `GDPR Art. 33(1): without undue delay and, where feasible, within ${regs.gdpr.authorityNotificationHours} hours of becoming aware`,
    },
    appi: {
      reportable: triggers.length > 0,
      triggers,
      preliminaryDeadline: {
        earliest: iso(addDays(awareAt, regs.appi.preliminaryReportDays.min)),
        latest: iso(addDays(awareAt, regs.appi.preliminaryReportDays.max)),
      },
      finalDeadline: iso(
        addDays(
          awareAt,
          options.improperPurpose
            ? regs.appi.finalReportDaysImproperPurpose
            : regs.appi.finalReportDays,
        ),
      ),
      clause: `APPI Art. 26(1); Enforcement Rules Art. 7 (criteria) and Art. 8 (preliminary promptly, about ${regs.appi.preliminaryReportDays.min}–${regs.appi.preliminaryReportDays.max} days; final within ${regs.appi.finalReportDays} days, ${regs.appi.finalReportDaysImproperPurpose} for an improper purpose)`,
    },
    subjectsToNotify: subjects.filter((s) => !s.erased).map((s) => s.id),
  };
}

function matches(e: LedgerEvent, q: ImpactQuery): boolean {
  if (q.actor === undefined && q.ip === undefined && q.device === undefined) return true;
  if (q.actor !== undefined && e.actor.id !== q.actor) return false;
  if (q.ip !== undefined && e.actor.context?.ip !== q.ip) return false;
  if (q.device !== undefined && e.actor.context?.device !== q.device) return false;
  return true;
}

function sortLevels(levels: Set<string>): string[] {
  return [...levels].sort(
    (a, b) =>
      LEVELS.indexOf(a as (typeof LEVELS)[number]) - LEVELS.indexOf(b as (typeof LEVELS)[number]),
  );
}
