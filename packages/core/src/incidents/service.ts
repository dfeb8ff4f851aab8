import * as t from "io-ts";
import { type ImpactReport, impact } from "../breach/impact";
import { canonicalizeOrThrow } from "../canonical";
import { readChainVerified } from "../chain-read";
import { utf8 } from "../crypto/encoding";
import { decodeWithOrThrow as decode } from "../decode";
import { DaichoError } from "../errors";
import { Actor, type LedgerEvent } from "../events/envelope";
import { IncidentDetails, IncidentRegime } from "../events/incidents";
import type { EventInput } from "../events/input";
import {
  boundedList,
  FieldName,
  Id,
  Label,
  Nat,
  Note,
  strictStruct,
  Timestamp,
} from "../events/primitives";
import { bytesToHex, sha256Bytes } from "../hash";
import { uuidv7 } from "../ids";
import { serialised } from "../keyed-lock";
import type { Ledger } from "../ledger";
import { DEFAULT_REGULATIONS, type Regulations } from "../reports/regulations";
import { Views } from "../views/view-set";
import { applyIncidentEvent, type Incident, overdueReports } from "./model";
import {
  ReportExportOptions,
  type ReportFile,
  renderReportFile,
  reportExportEvent,
} from "./report-export";
import { IncidentsView } from "./view";

export interface IncidentsServiceOptions {
  readonly ledger: Ledger;
  /** Who the service records its events as (the DPO, or a system actor). */
  readonly actor: t.OutputOf<typeof Actor>;
  /** Every deadline and "late" check uses this clock (default: the system clock). */
  readonly clock?: () => Date;
  /** The legal numbers (reports/regulations.ts `regulations(overrides)`). */
  readonly regulations?: Regulations;
}

const DetectOptions = strictStruct(
  "DetectOptions",
  {
    awareAt: Timestamp,
    regimes: boundedList(IncidentRegime, 2, "IncidentRegimes"),
    category: Label,
    summary: Note,
  },
  { improperPurpose: t.boolean },
);
const ScopeQuery = strictStruct(
  "ScopeQuery",
  { from: Timestamp, to: Timestamp },
  {
    actor: Id,
    ip: t.refinement(t.string, (s) => /^[0-9A-Fa-f:.]{2,45}$/.test(s), "IpAddress"),
    device: Id,
    keysLeaked: t.boolean,
    sensitiveFields: boundedList(FieldName, 256),
    financialFields: boundedList(FieldName, 256),
  },
);
const RegulatorOptions = strictStruct(
  "RegulatorOptions",
  {
    to: t.keyof({ "gdpr-authority": null, ppc: null }),
    stage: t.keyof({ initial: null, supplementary: null, preliminary: null, final: null }),
  },
  { reference: Id, lateReason: Note },
);

/** An incident with the reports overdue at the time asked. */
export type IncidentWithDeadlines = Incident & { readonly overdue: readonly string[] };

function invalid(reason: string, path: string): DaichoError {
  return new DaichoError("INVALID_ARGUMENT", reason, { path });
}

/** The hex SHA-256 of a breach-impact report's RFC 8785 canonical JSON: what `scope` freezes. */
export function impactReportHash(report: ImpactReport): string {
  return bytesToHex(sha256Bytes(utf8(canonicalizeOrThrow(report))));
}

/** Create the incident API over a ledger. */
export function incidentsService(options: IncidentsServiceOptions): IncidentsService {
  return new IncidentsService(options);
}

/**
 * Personal-data incidents as event-sourced objects (docs/requests.md): detected (the
 * clocks start at `awareAt`), scoped (the breach-impact report frozen by hash and counts),
 * described (the PPC form's items), contained, regulator and subjects notified, closed
 * with a final report. Every step is decided on the verified incident view; a closed
 * incident accepts nothing more (`REQUEST_CLOSED`). Steps on one incident are serialised
 * within this process; two processes stepping one incident at once can both be recorded
 * (incidents name no subject, so `expectSubjectHeads` does not apply) — harmless for
 * notifications, and a second `close` is ignored by the fold.
 */
export class IncidentsService {
  private readonly ledger: Ledger;
  private readonly clock: () => Date;
  private readonly regs: Regulations;
  private readonly view: IncidentsView;
  private readonly locks: Map<string, Promise<unknown>>;

  constructor(
    private readonly options: IncidentsServiceOptions,
    shared?: { readonly view: IncidentsView; readonly locks: Map<string, Promise<unknown>> },
  ) {
    this.ledger = options.ledger;
    this.clock = options.clock ?? (() => new Date());
    this.regs = options.regulations ?? DEFAULT_REGULATIONS;
    this.view = shared?.view ?? new IncidentsView(this.regs);
    this.locks = shared?.locks ?? new Map();
  }

  /**
   * The same service recording its events as `actor`, sharing this one's folded view and
   * its per-incident locks: the ledger is folded once for every user, and steps on one
   * incident stay serialised whoever takes them.
   */
  as(actor: t.OutputOf<typeof Actor>): IncidentsService {
    return new IncidentsService({ ...this.options, actor }, { view: this.view, locks: this.locks });
  }

  /**
   * Record `incident.detected`. `awareAt` (when the controller became aware, GDPR Art.
   * 33(1)) may not be in the future; the deadlines run from it. `improperPurpose`
   * (unauthorised access, an insider: APPI Rules Art. 7(iii)) makes the 確報 60 days.
   */
  async detect(opts: t.OutputOf<typeof DetectOptions>): Promise<Incident> {
    const o = decode(DetectOptions, opts, "options");
    const now = this.clock();
    if (Date.parse(o.awareAt) > now.getTime())
      throw invalid(
        "awareAt is in the future: give the time the incident became known",
        "options.awareAt",
      );
    const incidentId = `inc-${uuidv7(now.getTime())}`;
    const e = await this.append({
      type: "incident.detected",
      payload: { incidentId, ...o, improperPurpose: o.improperPurpose === true },
    });
    const map = new Map<string, Incident>();
    applyIncidentEvent(map, e, this.regs);
    return map.get(incidentId) as Incident;
  }

  /**
   * Run the breach-impact report (`impact`, @daicho/core/breach) over the ledger's verified
   * events and freeze it: `incident.scoped` records the report's hash
   * ({@link impactReportHash}) and counts at this head; the report is returned for the file.
   */
  async scope(
    incidentId: string,
    query: t.OutputOf<typeof ScopeQuery>,
  ): Promise<{ readonly incident: Incident; readonly report: ImpactReport }> {
    const q = decode(ScopeQuery, query, "query");
    return this.step(incidentId, async (i) => {
      const events: LedgerEvent[] = [];
      for await (const e of readChainVerified(this.ledger.store, this.ledger.genesis))
        events.push(e);
      const views = new Views().applyAll(events);
      const report = await impact(
        events,
        views,
        {
          from: q.from,
          to: q.to,
          ...(q.actor ? { actor: q.actor } : {}),
          ...(q.ip ? { ip: q.ip } : {}),
          ...(q.device ? { device: q.device } : {}),
        },
        {
          awareAt: i.awareAt,
          improperPurpose: i.improperPurpose,
          regulations: this.regs,
          ...(q.keysLeaked === undefined ? {} : { keysLeaked: q.keysLeaked }),
          ...(q.sensitiveFields ? { sensitiveFields: q.sensitiveFields } : {}),
          ...(q.financialFields ? { financialFields: q.financialFields } : {}),
        },
      );
      const payload = {
        incidentId,
        reportHash: impactReportHash(report),
        atSeq: (events[events.length - 1]?.seq ?? 0) as number,
        subjects: report.totals.subjects,
        events: report.eventsMatched,
        fields: [...report.totals.fields].slice(0, 256),
        sealedFields: [...report.encryptedFields].slice(0, 256),
        keysLeft: report.keysLeaked === true,
      };
      return { input: { type: "incident.scoped", payload }, extra: { report } };
    }).then(({ incident, extra }) => ({ incident, report: extra.report }));
  }

  /** Set or replace free-text items of the reports (each a Note; no personal data). */
  async describe(
    incidentId: string,
    details: t.OutputOf<typeof IncidentDetails>,
  ): Promise<Incident> {
    const d = decode(IncidentDetails, details, "details");
    if (Object.keys(d).length === 0) throw invalid("give at least one item", "details");
    return this.simple(incidentId, "incident.described", { incidentId, details: d });
  }

  /** Record `incident.contained` with the measures taken (GDPR Art. 33(3)(d)). */
  async contain(incidentId: string, opts: { measures: string }): Promise<Incident> {
    const o = decode(strictStruct("ContainOptions", { measures: Note }), opts, "options");
    return this.simple(incidentId, "incident.contained", { incidentId, ...o });
  }

  /**
   * Record a report to an authority. GDPR (`gdpr-authority`): stage `initial`, then any
   * `supplementary` (Art. 33(4), in phases); after the 72 hours the initial notice must
   * give `lateReason` (Art. 33(1)). PPC (`ppc`): `preliminary` (速報) and `final` (確報);
   * a report after its deadline must give `lateReason`. Rejects `INVALID_ARGUMENT` for an
   * authority of a regime the incident is not under, or a stage of the other authority.
   */
  async notifyRegulator(
    incidentId: string,
    opts: t.OutputOf<typeof RegulatorOptions>,
  ): Promise<Incident> {
    const o = decode(RegulatorOptions, opts, "options");
    return this.stepSimple(incidentId, (i) => {
      const regime = o.to === "ppc" ? "appi" : "gdpr";
      if (!i.regimes.includes(regime))
        throw invalid(`the incident is not recorded as falling under ${regime}`, "options.to");
      const stages = o.to === "ppc" ? ["preliminary", "final"] : ["initial", "supplementary"];
      if (!stages.includes(o.stage))
        throw invalid(`a report to ${o.to} is ${stages.join(" or ")}`, "options.stage");
      const due =
        o.to === "ppc"
          ? o.stage === "preliminary"
            ? i.deadlines.appiPreliminaryLatest
            : i.deadlines.appiFinal
          : o.stage === "initial"
            ? i.deadlines.gdprAuthority
            : undefined;
      if (
        due !== undefined &&
        this.clock().getTime() > Date.parse(due) &&
        o.lateReason === undefined
      )
        throw invalid(
          `the deadline (${due}) has passed: give lateReason, the reasons for the delay`,
          "options.lateReason",
        );
      return { type: "incident.regulator-notified", payload: { incidentId, ...o } };
    });
  }

  /** Record that the people concerned were told (GDPR Art. 34; APPI Art. 26(2)). */
  async notifySubjects(
    incidentId: string,
    opts: { count: number; channel: string },
  ): Promise<Incident> {
    const o = decode(
      strictStruct("SubjectsNotified", { count: Nat, channel: Label }),
      opts,
      "options",
    );
    return this.simple(incidentId, "incident.subjects-notified", { incidentId, ...o });
  }

  /** Close the incident with its final report (a Note); nothing can be recorded after. */
  async close(incidentId: string, opts: { finalReport: string }): Promise<Incident> {
    const o = decode(strictStruct("CloseOptions", { finalReport: Note }), opts, "options");
    return this.simple(incidentId, "incident.closed", { incidentId, ...o });
  }

  /**
   * Render one of the incident's reports — `ppc-preliminary` / `ppc-final` (Japanese) or
   * `gdpr-notification` (English, needs `contact`) as `pdf`, `markdown` or `html` — from
   * the verified incident view, and record the download as `data.exported` before
   * returning it: by `by` (default: the service's actor), naming the incident, the report
   * and the last incident event it reflects, with the file's SHA-256 as `contentHash`.
   * The bytes are deterministic, so the hash can be recomputed from the ledger later. A
   * closed incident's reports can still be exported. Bad options reject (`DECODE_ERROR`,
   * `INVALID_ARGUMENT`, `NOT_FOUND`) and record nothing.
   */
  async exportReport(
    incidentId: string,
    options: t.OutputOf<typeof ReportExportOptions>,
    by: t.OutputOf<typeof Actor> = this.options.actor,
  ): Promise<ReportFile & { readonly incident: Incident }> {
    const o = decode(ReportExportOptions, options, "options");
    const actor = decode(Actor, by, "by");
    const incident = await this.get(incidentId);
    const file = renderReportFile(incident, o);
    await this.append(reportExportEvent(incident, o, file, actor), actor);
    return { ...file, incident };
  }

  /** One incident, or `NOT_FOUND`. */
  async get(incidentId: string): Promise<Incident> {
    decode(Id, incidentId, "incidentId");
    await this.view.catchUp(this.ledger);
    const i = this.view.incidents.get(incidentId);
    if (i === undefined)
      throw new DaichoError("NOT_FOUND", "no such incident", { path: "incidentId" });
    return i;
  }

  /** Incidents (open ones only with `open: true`), newest first, with overdue reports at `now`. */
  async list(
    filter: { open?: boolean } = {},
    now: Date = this.clock(),
  ): Promise<IncidentWithDeadlines[]> {
    const f = decode(strictStruct("IncidentFilter", {}, { open: t.boolean }), filter, "filter");
    await this.view.catchUp(this.ledger);
    return [...this.view.incidents.values()]
      .filter((i) => f.open !== true || i.status !== "closed")
      .map((i) => ({ ...i, overdue: i.status === "closed" ? [] : overdueReports(i, now) }))
      .sort((a, b) => Date.parse(b.awareAt) - Date.parse(a.awareAt));
  }

  private simple(
    incidentId: string,
    type: EventInput["type"],
    payload: unknown,
  ): Promise<Incident> {
    return this.stepSimple(
      incidentId,
      () => ({ type, payload }) as Pick<EventInput, "type" | "payload">,
    );
  }

  private async stepSimple(
    incidentId: string,
    decide: (i: Incident) => Pick<EventInput, "type" | "payload">,
  ): Promise<Incident> {
    const { incident } = await this.step(incidentId, async (i) => ({
      input: decide(i),
      extra: undefined,
    }));
    return incident;
  }

  private async step<X>(
    incidentId: string,
    decide: (i: Incident) => Promise<{ input: Pick<EventInput, "type" | "payload">; extra: X }>,
  ): Promise<{ incident: Incident; extra: X }> {
    decode(Id, incidentId, "incidentId");
    const run = async () => {
      await this.view.catchUp(this.ledger);
      const i = this.view.incidents.get(incidentId);
      if (i === undefined)
        throw new DaichoError("NOT_FOUND", "no such incident", { path: "incidentId" });
      if (i.status === "closed")
        throw new DaichoError("REQUEST_CLOSED", "the incident is closed", { path: "incidentId" });
      const { input, extra } = await decide(i);
      await this.append(input);
      await this.view.catchUp(this.ledger);
      return { incident: this.view.incidents.get(incidentId) as Incident, extra };
    };
    return serialised(this.locks, incidentId, run);
  }

  private append(
    input: Pick<EventInput, "type" | "payload">,
    actor: t.OutputOf<typeof Actor> = this.options.actor,
  ): Promise<LedgerEvent> {
    return this.ledger.append({
      ...input,
      actor,
      occurredAt: this.clock().toISOString(),
    } as EventInput);
  }
}
