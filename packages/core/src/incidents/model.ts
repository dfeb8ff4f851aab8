import type { LedgerEvent } from "../events/envelope";
import type { Regulations } from "../reports/regulations";
import type { EventRef } from "../requests/model";
import { type IncidentDeadlines, incidentDeadlines } from "./deadlines";

/** The free-text items of the PPC form and of a GDPR Art. 33(3) notification. */
export type IncidentDetailKey =
  | "summary"
  | "dataItems"
  | "cause"
  | "secondaryHarm"
  | "responseToPersons"
  | "publication"
  | "prevention"
  | "other"
  | "consequences"
  | "measures";

export type RegulatorStage = "initial" | "supplementary" | "preliminary" | "final";

/** A notification recorded for an incident. */
export interface IncidentNotification {
  readonly to: "gdpr-authority" | "ppc" | "subjects";
  readonly stage?: RegulatorStage;
  readonly at: string;
  readonly reference?: string;
  readonly lateReason?: string;
  readonly count?: number;
  readonly channel?: string;
}

/** The frozen breach-impact report: its hash and counts when it was taken. */
export interface IncidentScope {
  readonly at: string;
  readonly atSeq: number;
  readonly reportHash: string;
  readonly subjects: number;
  readonly events: number;
  readonly fields: readonly string[];
  readonly sealedFields: readonly string[];
  readonly keysLeft: boolean;
}

/** One incident and where it stands, folded from its hash-verified events. */
export interface Incident {
  readonly incidentId: string;
  readonly status: "detected" | "scoped" | "contained" | "closed";
  readonly awareAt: string;
  readonly detectedAt: string;
  readonly category: string;
  readonly regimes: readonly ("gdpr" | "appi")[];
  readonly improperPurpose: boolean;
  readonly summary: string;
  readonly deadlines: IncidentDeadlines;
  readonly scope?: IncidentScope;
  readonly details: Readonly<Partial<Record<IncidentDetailKey, string>>>;
  readonly containedAt?: string;
  readonly measures?: string;
  readonly notifications: readonly IncidentNotification[];
  readonly closedAt?: string;
  readonly finalReport?: string;
  readonly events: readonly EventRef[];
  /** When the last event folded into the incident occurred: the as-of time of its reports. */
  readonly updatedAt: string;
}

const INCIDENT_EVENT = /^incident\./;

function statusOf(i: Omit<Incident, "status">): Incident["status"] {
  if (i.closedAt !== undefined) return "closed";
  if (i.containedAt !== undefined) return "contained";
  return i.scope !== undefined ? "scoped" : "detected";
}

/**
 * Fold one event into `incidents` (events in sequence order). Nothing changes a closed
 * incident, and an event naming an unknown incident is ignored.
 */
export function applyIncidentEvent(
  incidents: Map<string, Incident>,
  e: LedgerEvent,
  regs?: Regulations,
): void {
  if (!INCIDENT_EVENT.test(e.type)) return;
  const ref = { seq: e.seq, id: e.id, hash: e.hash, type: e.type };
  if (e.type === "incident.detected") {
    const p = e.payload;
    if (incidents.has(p.incidentId)) return;
    const base = {
      incidentId: p.incidentId,
      awareAt: p.awareAt,
      detectedAt: e.occurredAt,
      category: p.category,
      regimes: [...p.regimes],
      improperPurpose: p.improperPurpose,
      summary: p.summary,
      deadlines: incidentDeadlines(new Date(p.awareAt), p.regimes, p.improperPurpose, regs),
      details: {},
      notifications: [],
      events: [ref],
      updatedAt: e.occurredAt,
    };
    incidents.set(p.incidentId, { ...base, status: statusOf(base) });
    return;
  }
  const id = (e.payload as { incidentId?: string }).incidentId;
  const i = id === undefined ? undefined : incidents.get(id);
  if (i === undefined || id === undefined || i.status === "closed") return;
  const at = e.occurredAt;
  let next: Omit<Incident, "status"> = { ...i, events: [...i.events, ref], updatedAt: at };
  switch (e.type) {
    case "incident.scoped": {
      const { incidentId: _, ...s } = e.payload;
      next = {
        ...next,
        scope: { at, ...s, fields: [...s.fields], sealedFields: [...s.sealedFields] },
      };
      break;
    }
    case "incident.described":
      next = { ...next, details: { ...i.details, ...e.payload.details } };
      break;
    case "incident.contained":
      next = { ...next, containedAt: at, measures: e.payload.measures };
      break;
    case "incident.regulator-notified": {
      const p = e.payload;
      const n: IncidentNotification = {
        to: p.to,
        stage: p.stage,
        at,
        ...(p.reference ? { reference: p.reference } : {}),
        ...(p.lateReason ? { lateReason: p.lateReason } : {}),
      };
      next = { ...next, notifications: [...i.notifications, n] };
      break;
    }
    case "incident.subjects-notified": {
      const p = e.payload;
      const n: IncidentNotification = { to: "subjects", at, count: p.count, channel: p.channel };
      next = { ...next, notifications: [...i.notifications, n] };
      break;
    }
    case "incident.closed":
      next = { ...next, closedAt: at, finalReport: e.payload.finalReport };
      break;
    default:
      return;
  }
  incidents.set(id, { ...next, status: statusOf(next) });
}

/** Which deadlines of `i` have passed at `now` without the report they call for. */
export function overdueReports(i: Incident, now: Date): string[] {
  const t = now.getTime();
  const sent = (to: string, stage?: string) =>
    i.notifications.some((n) => n.to === to && (stage === undefined || n.stage === stage));
  const out: string[] = [];
  const late = (due: string | undefined) => due !== undefined && Date.parse(due) < t;
  if (late(i.deadlines.gdprAuthority) && !sent("gdpr-authority")) out.push("gdprAuthority");
  if (late(i.deadlines.appiPreliminary) && !sent("ppc")) out.push("appiPreliminary");
  if (late(i.deadlines.appiFinal) && !sent("ppc", "final")) out.push("appiFinal");
  return out;
}
