/**
 * The incident queue: every open incident (and those closed in the last 30 days) with its
 * deadlines — GDPR Art. 33 72 hours, the PPC's 速報 (3–5 days) and 確報 (30, or 60 for an
 * improper purpose) — each marked sent, overdue or at risk; one incident's detail; its
 * steps recorded through `@daicho/core/incidents` (scoped, described, contained, regulator
 * notified, subjects notified, closed); and its reports — the PPC report (ja, 速報 or 確報)
 * and the GDPR Art. 33 notice (en) — as Markdown or HTML, each download recorded as a
 * `data.exported` event. Lists and reports come from the watch's fold of verified events;
 * no page scans the ledger (scoping does, once, as the breach-impact report must).
 */
import {
  DaichoError,
  decodeWith,
  Id,
  IncidentDetails,
  Nat,
  Note,
  strictStruct,
  Timestamp,
} from "@daicho/core";
import { type Incident, overdueReports, renderReportFile } from "@daicho/core/incidents";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { LedgerContext } from "./context";
import type { Download } from "./exports";
import type { ConsoleActor } from "./options";
import {
  deadlineMarks,
  onCurrentVersion,
  type QueueActionSpec,
  queueActionSpec,
} from "./queue-source";
import { recordExport } from "./record";
import { NoticeChannel } from "./requests-queue";

/** How long a closed incident stays listed. */
const CLOSED_WINDOW_MS = 30 * 86_400_000;

/** One deadline of an incident and how it stands. */
export interface IncidentDeadlineRow {
  readonly key: "gdprAuthority" | "appiPreliminary" | "appiFinal";
  readonly dueBy: string;
  /** 速報: the long end of the 3–5 days; past it the report is late. */
  readonly latestBy?: string;
  readonly sent: boolean;
  readonly overdue: boolean;
  readonly atRisk: boolean;
  readonly msLeft: number;
}

function deadlineRows(i: Incident, now: Date): IncidentDeadlineRow[] {
  const sent = (to: string, stage?: string) =>
    i.notifications.some((n) => n.to === to && (stage === undefined || n.stage === stage));
  const overdue = new Set(overdueReports(i, now));
  const row = (
    key: IncidentDeadlineRow["key"],
    due: string | undefined,
    done: boolean,
    latest?: string,
  ): IncidentDeadlineRow[] => {
    if (due === undefined) return [];
    const marks = deadlineMarks(i.awareAt, latest ?? due, now);
    return [
      {
        key,
        dueBy: due,
        ...(latest === undefined ? {} : { latestBy: latest }),
        sent: done,
        overdue: !done && overdue.has(key),
        atRisk: !done && !overdue.has(key) && (marks.atRisk || Date.parse(due) < now.getTime()),
        msLeft: marks.msLeft,
      },
    ];
  };
  const d = i.deadlines;
  return [
    ...row("gdprAuthority", d.gdprAuthority, sent("gdpr-authority")),
    ...row("appiPreliminary", d.appiPreliminary, sent("ppc"), d.appiPreliminaryLatest),
    ...row("appiFinal", d.appiFinal, sent("ppc", "final")),
  ];
}

/** An incident as the queue lists it (no personal data: ids, labels, counts and Notes). */
function row(i: Incident, now: Date) {
  const deadlines = deadlineRows(i, now);
  const pending = deadlines.filter((d) => !d.sent);
  return {
    ...i,
    version: i.events.length,
    deadlines,
    overdue: pending.some((d) => d.overdue),
    atRisk: pending.some((d) => d.atRisk),
    nextDue: pending.reduce<string | null>(
      (a, d) => (a === null || d.dueBy < a ? d.dueBy : a),
      null,
    ),
  };
}

/** Open incidents and those closed in the last 30 days, the next deadline first. */
export async function listIncidents(ctx: LedgerContext, now: Date) {
  await ctx.watch.catchUp();
  const rows = [...ctx.watch.incidents.values()]
    .filter(
      (i) => i.closedAt === undefined || now.getTime() - Date.parse(i.closedAt) < CLOSED_WINDOW_MS,
    )
    .map((i) => row(i, now));
  const key = (r: ReturnType<typeof row>) => r.nextDue ?? "\uffff";
  return { incidents: rows.sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0)) };
}

function known(ctx: LedgerContext, id: string): Incident {
  const i = ctx.watch.incidents.get(id);
  if (i === undefined)
    throw new DaichoError("NOT_FOUND", "no such incident", { path: "incidentId" });
  return i;
}

/** One incident with its deadlines and the reports it can be downloaded as. */
export async function incidentDetail(ctx: LedgerContext, id: string, now: Date) {
  await ctx.watch.catchUp();
  const i = known(ctx, id);
  return { incident: row(i, now), reports: reportKinds(ctx, i) };
}

const version = { version: Nat };
const ScopeBody = strictStruct(
  "ScopeBody",
  { from: Timestamp, to: Timestamp, ...version },
  { actor: Id, keysLeaked: t.boolean },
);
const DescribeBody = strictStruct("DescribeBody", { details: IncidentDetails, ...version });
const ContainBody = strictStruct("ContainBody", { measures: Note, ...version });
const RegulatorBody = strictStruct(
  "RegulatorBody",
  {
    to: t.keyof({ "gdpr-authority": null, ppc: null }),
    stage: t.keyof({ initial: null, supplementary: null, preliminary: null, final: null }),
    ...version,
  },
  { reference: Id, lateReason: Note },
);
const SubjectsBody = strictStruct("SubjectsNotifiedBody", {
  count: Nat,
  channel: NoticeChannel,
  ...version,
});
const CloseBody = strictStruct("CloseBody", { finalReport: Note, ...version });

/** Run `act` on incident `id` on the version the page showed (see `onCurrentVersion`). */
function onCurrent<A>(
  ctx: LedgerContext,
  id: string,
  seen: number,
  act: () => Promise<A>,
): Promise<A> {
  return onCurrentVersion(ctx, `incident\u0000${id}`, seen, () => known(ctx, id), act);
}

const summary = (i: Incident) => ({ incidentId: i.incidentId, status: i.status });

/** The incident's actions: each the service's step, on the version the page showed. */
export const INCIDENT_ACTIONS: Readonly<Record<string, QueueActionSpec<unknown>>> = {
  scope: queueActionSpec({
    rule: "incident.act",
    body: ScopeBody,
    run: (ctx, actor, id, b: t.TypeOf<typeof ScopeBody>) =>
      onCurrent(ctx, id, b.version, async () => {
        const { version: _, ...q } = b;
        const { incident, report } = await ctx.incidents(actor).scope(id, q);
        // Totals only: the report's subject list is personal data and stays in the ledger.
        return {
          incident: summary(incident),
          scope: incident.scope,
          appi: { reportable: report.appi.reportable, triggers: report.appi.triggers },
        };
      }),
  }),
  describe: queueActionSpec({
    rule: "incident.act",
    body: DescribeBody,
    run: (ctx, actor, id, b: t.TypeOf<typeof DescribeBody>) =>
      onCurrent(ctx, id, b.version, async () => ({
        incident: summary(await ctx.incidents(actor).describe(id, b.details)),
      })),
  }),
  contain: queueActionSpec({
    rule: "incident.act",
    body: ContainBody,
    run: (ctx, actor, id, b: t.TypeOf<typeof ContainBody>) =>
      onCurrent(ctx, id, b.version, async () => ({
        incident: summary(await ctx.incidents(actor).contain(id, { measures: b.measures })),
      })),
  }),
  "notify-regulator": queueActionSpec({
    rule: "incident.act",
    body: RegulatorBody,
    run: (ctx, actor, id, b: t.TypeOf<typeof RegulatorBody>) =>
      onCurrent(ctx, id, b.version, async () => {
        const { version: _, ...o } = b;
        return { incident: summary(await ctx.incidents(actor).notifyRegulator(id, o)) };
      }),
  }),
  "notify-subjects": queueActionSpec({
    rule: "incident.act",
    body: SubjectsBody,
    run: (ctx, actor, id, b: t.TypeOf<typeof SubjectsBody>) =>
      onCurrent(ctx, id, b.version, async () => ({
        incident: summary(
          await ctx.incidents(actor).notifySubjects(id, { count: b.count, channel: b.channel }),
        ),
      })),
  }),
  close: queueActionSpec({
    rule: "incident.act",
    body: CloseBody,
    run: (ctx, actor, id, b: t.TypeOf<typeof CloseBody>) =>
      onCurrent(ctx, id, b.version, async () => ({
        incident: summary(await ctx.incidents(actor).close(id, { finalReport: b.finalReport })),
      })),
  }),
};

/** The incident action a `POST incidents/:id/:action` names, or NOT_FOUND. */
export function incidentAction(action: string): QueueActionSpec<unknown> {
  const spec = Object.hasOwn(INCIDENT_ACTIONS, action) ? INCIDENT_ACTIONS[action] : undefined;
  if (spec === undefined)
    throw new DaichoError("NOT_FOUND", "no such incident action", { path: "action" });
  return spec;
}

/** The reports an incident has: the PPC's under APPI, the GDPR notice when a contact is set. */
function reportKinds(ctx: LedgerContext, i: Incident): string[] {
  return [
    ...(i.regimes.includes("appi") ? ["ppc-preliminary", "ppc-final"] : []),
    ...(i.regimes.includes("gdpr") && ctx.source.incidentContact !== undefined ? ["gdpr"] : []),
  ];
}

/** The console's `format` names for the core renderer's (`renderReportFile`). */
const FORMATS = { md: "markdown", html: "html", pdf: "pdf" } as const;

const ReportQuery = strictStruct("ReportQuery", {
  report: t.keyof({ "ppc-preliminary": null, "ppc-final": null, gdpr: null }),
  format: t.keyof({ md: null, html: null, pdf: null }),
});

/**
 * An incident's report, rendered from the verified incident; the download is recorded
 * (`data.exported`, purpose `incident-report`) before the bytes are returned.
 */
export async function incidentReport(
  ctx: LedgerContext,
  actor: ConsoleActor,
  id: string,
  query: URLSearchParams,
): Promise<Download> {
  const q = decodeWith(
    ReportQuery,
    { report: query.get("report"), format: query.get("format") ?? "md" },
    "query",
  );
  if (E.isLeft(q)) throw q.left;
  await ctx.watch.catchUp();
  ctx.watch.assertIntact();
  const i = known(ctx, id);
  const { report, format } = q.right;
  if (!reportKinds(ctx, i).includes(report))
    throw new DaichoError(
      "NOT_FOUND",
      report === "gdpr"
        ? "no GDPR notice: the incident is not under GDPR, or the console was mounted without `incidentContact`"
        : "no PPC report: the incident is not under APPI",
      { path: "report" },
    );
  // One renderer for every format (`@daicho/core/incidents`): the same bytes the incident
  // service's `exportReport` produces, so the hash recorded here recomputes from the ledger.
  const file = renderReportFile(i, {
    report: report === "gdpr" ? "gdpr-notification" : report,
    format: FORMATS[format],
    ...(report === "gdpr" && ctx.source.incidentContact !== undefined
      ? { contact: ctx.source.incidentContact }
      : {}),
  });
  await recordExport(ctx.ledger, actor, {
    format: `incident-report-${report}-${format}`,
    recordCount: 1,
    purpose: "incident-report",
    // The id goes in a Label, not a Note: a Note refuses a UUID whose digits read like a
    // phone number (about 4 % of ids), which would refuse a legitimate download.
    resourceType: /^[a-z0-9][a-z0-9._:-]{0,54}$/.test(i.incidentId)
      ? `incident:${i.incidentId}`
      : "incident",
    contentHash: file.sha256,
  });
  return {
    name: `${i.incidentId}-${report}.${file.name.split(".").pop()}`,
    type: file.type,
    body: file.body,
  };
}
