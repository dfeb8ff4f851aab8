import type { LedgerEvent } from "../events/envelope";
import { ipInRanges } from "../policy/ip";
import { ms, subjectsOf } from "../views/event";
import type { Views } from "../views/view-set";
import type { CompiledMonitorConfig } from "./config";

/** An alert before it is written: what fired, about whom, and on which evidence. */
export interface Alert {
  readonly alertId: string;
  readonly rule: string;
  readonly severity: "info" | "warning" | "critical";
  /** The actor the alert is about. */
  readonly actorId: string;
  /** When the triggering event occurred (epoch ms). */
  readonly at: number;
  readonly count?: number;
  readonly threshold?: number;
  readonly windowMs?: number;
  /** Ids of the events that tripped the rule (at most 1024). */
  readonly triggeredBy: readonly string[];
  readonly ip?: string;
  readonly destination?: { readonly kind: string; readonly id: string };
  readonly detail?: string;
  /** For a repeat of a problem still open after its cooldown: the problem's first alert. */
  readonly repeatOf?: string;
  /** With `repeatOf`: firings kept quiet since the previous alert for the problem. */
  readonly suppressed?: number;
}

/** One monitoring rule: stateful, fed every event in sequence order. */
export interface Rule {
  readonly name: string;
  observe(event: LedgerEvent, views: Views): Omit<Alert, "severity" | "alertId"> | undefined;
}

/** Events where an actor touched personal data (the ones rules look at). */
export const ACCESS_TYPES: ReadonlySet<string> = new Set([
  "data.accessed",
  "data.exported",
  "data.shared",
  "record.created",
  "record.updated",
  "record.deleted",
]);

/** A per-actor sliding window over event times, with a cooldown after firing. */
export class Windows<T> {
  private readonly byActor = new Map<
    string,
    { items: { at: number; value: T }[]; quietUntil: number }
  >();
  constructor(private readonly windowMs: number) {}

  /** Add an item and return the items still inside the window ending at `at`. */
  add(actor: string, at: number, value: T): { items: { at: number; value: T }[]; quiet: boolean } {
    let w = this.byActor.get(actor);
    if (w === undefined) {
      w = { items: [], quietUntil: Number.NEGATIVE_INFINITY };
      this.byActor.set(actor, w);
    }
    w.items.push({ at, value });
    const from = at - this.windowMs;
    let drop = 0;
    while (drop < w.items.length && (w.items[drop] as { at: number }).at <= from) drop++;
    if (drop > 0) w.items.splice(0, drop);
    return { items: w.items, quiet: at < w.quietUntil };
  }

  /** Silence this actor for one window after firing, so a burst yields one alert. */
  fired(actor: string, at: number): void {
    const w = this.byActor.get(actor);
    if (w !== undefined) {
      w.quietUntil = at + this.windowMs;
      w.items.length = 0;
    }
  }
}

/** Mass export: more than N distinct subjects, or more than N records, by one actor in a window. */
export function massExportRule(cfg: NonNullable<CompiledMonitorConfig["massExport"]>): Rule {
  const windows = new Windows<{ id: string; subjects: string[]; records: number }>(cfg.windowMs);
  return {
    name: "mass-export",
    observe(event) {
      if (event.type !== "data.exported") return undefined;
      const p = event.payload as { recordCount: number };
      const at = ms(event.occurredAt);
      const actor = event.actor.id;
      const { items, quiet } = windows.add(actor, at, {
        id: event.id,
        subjects: subjectsOf(event),
        records: p.recordCount,
      });
      if (quiet) return undefined;
      const subjects = new Set<string>();
      let records = 0;
      for (const it of items) {
        for (const s of it.value.subjects) subjects.add(s);
        records += it.value.records;
      }
      const overSubjects = cfg.maxSubjects !== undefined && subjects.size > cfg.maxSubjects;
      const overRecords = cfg.maxRecords !== undefined && records > cfg.maxRecords;
      if (!overSubjects && !overRecords) return undefined;
      const triggeredBy = items.slice(-1024).map((i) => i.value.id);
      windows.fired(actor, at);
      return {
        rule: "mass-export",
        actorId: actor,
        at,
        count: overSubjects ? subjects.size : records,
        threshold: (overSubjects ? cfg.maxSubjects : cfg.maxRecords) as number,
        windowMs: cfg.windowMs,
        triggeredBy,
        detail: overSubjects ? "distinct subjects exported" : "records exported",
      };
    },
  };
}

/** Repeated denials: `count` denied attempts by one actor within a window. */
export function repeatedDenialsRule(
  cfg: NonNullable<CompiledMonitorConfig["repeatedDenials"]>,
): Rule {
  const windows = new Windows<string>(cfg.windowMs);
  return {
    name: "repeated-denials",
    observe(event) {
      if (
        event.type !== "data.accessed" ||
        (event.payload as { outcome: string }).outcome !== "denied"
      )
        return undefined;
      const at = ms(event.occurredAt);
      const actor = event.actor.id;
      const { items, quiet } = windows.add(actor, at, event.id);
      if (quiet || items.length < cfg.count) return undefined;
      const triggeredBy = items.slice(-1024).map((i) => i.value);
      windows.fired(actor, at);
      return {
        rule: "repeated-denials",
        actorId: actor,
        at,
        count: triggeredBy.length,
        threshold: cfg.count,
        windowMs: cfg.windowMs,
        triggeredBy,
      };
    },
  };
}

/** Access outside working hours (any access-like event). */
export function outOfHoursRule(withinHours: (at: number) => boolean): Rule {
  return {
    name: "out-of-hours",
    observe(event) {
      if (!ACCESS_TYPES.has(event.type)) return undefined;
      const at = ms(event.occurredAt);
      if (withinHours(at)) return undefined;
      return {
        rule: "out-of-hours",
        actorId: event.actor.id,
        at,
        triggeredBy: [event.id],
        detail: event.type,
      };
    },
  };
}

/** Any action by an actor who was offboarded (or never onboarded) when it happened. */
export function offboardedActorRule(): Rule {
  return {
    name: "offboarded-actor",
    observe(event, views) {
      if (!ACCESS_TYPES.has(event.type)) return undefined;
      const at = ms(event.occurredAt);
      const entry = views.actors.entryAt(event.actor.id, at);
      if (entry?.kind !== "offboarded") return undefined;
      return {
        rule: "offboarded-actor",
        actorId: event.actor.id,
        at,
        triggeredBy: [event.id],
        detail: event.type,
      };
    },
  };
}

/** A request from an address outside the allow-list (or with none, for access-like events). */
export function ipAllowListRule(ranges: NonNullable<CompiledMonitorConfig["ipAllowList"]>): Rule {
  return {
    name: "ip-not-allowed",
    observe(event) {
      const ip = event.actor.context?.ip;
      if (ip === undefined) return undefined;
      if (ipInRanges(ip, ranges)) return undefined;
      return {
        rule: "ip-not-allowed",
        actorId: event.actor.id,
        at: ms(event.occurredAt),
        triggeredBy: [event.id],
        ip,
      };
    },
  };
}

/** An export or share to a destination that is not on the approved list. */
export function destinationRule(
  approved: NonNullable<CompiledMonitorConfig["approvedDestinations"]>,
): Rule {
  const ok = (kind: string, id: string) =>
    approved.some((d) => d.kind === kind && (d.id === "*" || d.id === id));
  return {
    name: "unapproved-destination",
    observe(event) {
      let destination: { kind: string; id: string } | undefined;
      if (event.type === "data.exported")
        destination = (event.payload as { destination: { kind: string; id: string } }).destination;
      else if (event.type === "data.shared") {
        const r = (event.payload as { recipient: { kind: string; id: string } }).recipient;
        destination = { kind: r.kind, id: r.id };
      }
      if (destination === undefined || ok(destination.kind, destination.id)) return undefined;
      return {
        rule: "unapproved-destination",
        actorId: event.actor.id,
        at: ms(event.occurredAt),
        triggeredBy: [event.id],
        destination: { kind: destination.kind, id: destination.id },
      };
    },
  };
}

/** The rules a configuration switches on. */
export function rulesFor(cfg: CompiledMonitorConfig): Rule[] {
  const rules: Rule[] = [];
  if (cfg.massExport) rules.push(massExportRule(cfg.massExport));
  if (cfg.repeatedDenials) rules.push(repeatedDenialsRule(cfg.repeatedDenials));
  if (cfg.withinHours) rules.push(outOfHoursRule(cfg.withinHours));
  if (cfg.offboardedAccess) rules.push(offboardedActorRule());
  if (cfg.ipAllowList) rules.push(ipAllowListRule(cfg.ipAllowList));
  if (cfg.approvedDestinations) rules.push(destinationRule(cfg.approvedDestinations));
  return rules;
}
