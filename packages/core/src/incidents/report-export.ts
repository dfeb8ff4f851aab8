/**
 * A regulator report as a file to hand out — PDF, Markdown or HTML of the PPC report
 * (速報 / 確報) or the GDPR Art. 33 notification — with the SHA-256 of its bytes and the
 * `data.exported` event that records who took which report of which incident, as of which
 * of its events. Rendering is deterministic, so anyone can fold the incident up to that
 * event, render again and compare the hash.
 */
import * as t from "io-ts";
import { utf8 } from "../crypto/encoding";
import { DaichoError } from "../errors";
import type { Actor } from "../events/envelope";
import type { EventInput } from "../events/input";
import { strictStruct } from "../events/primitives";
import { bytesToHex, sha256Bytes } from "../hash";
import { CONTROL_CHARS } from "../pdf/text";
import type { Incident } from "./model";
import {
  type ContactPoint,
  gdprNotification,
  ppcReport,
  reportHtml,
  reportMarkdown,
} from "./report";
import { reportPdf } from "./report-pdf";

/** Text given at render time only (never recorded): 1–200 characters, no control characters. */
const ContactText = t.refinement(
  t.string,
  (s) => s.length >= 1 && s.length <= 200 && s.replace(CONTROL_CHARS, "") === s,
  "ContactText",
);

/** Options of `IncidentsService.exportReport`. */
export const ReportExportOptions = strictStruct(
  "ReportExportOptions",
  {
    report: t.keyof({ "ppc-preliminary": null, "ppc-final": null, "gdpr-notification": null }),
    format: t.keyof({ pdf: null, markdown: null, html: null }),
  },
  { contact: strictStruct("ContactPoint", { name: ContactText, contact: ContactText }) },
);
export type ReportExportOptions = t.TypeOf<typeof ReportExportOptions>;

/** A rendered report file and the evidence of its export. */
export interface ReportFile {
  readonly name: string;
  /** The media type (`application/pdf`, `text/markdown; charset=utf-8`, `text/html; charset=utf-8`). */
  readonly type: string;
  readonly body: Uint8Array;
  /** Hex SHA-256 of `body`, as recorded in the export event. */
  readonly sha256: string;
}

const TYPES = {
  pdf: ["pdf", "application/pdf"],
  markdown: ["md", "text/markdown; charset=utf-8"],
  html: ["html", "text/html; charset=utf-8"],
} as const;

function invalid(reason: string, path: string): DaichoError {
  return new DaichoError("INVALID_ARGUMENT", reason, { path });
}

/**
 * Render the report `o` asks for from `i`. Rejects `INVALID_ARGUMENT` for a PPC report of
 * an incident not under APPI, a GDPR notification of one not under the GDPR, or a GDPR
 * notification without `contact` (Art. 33(3)(b)).
 */
export function renderReportFile(i: Incident, o: ReportExportOptions): ReportFile {
  const gdpr = o.report === "gdpr-notification";
  if (!i.regimes.includes(gdpr ? "gdpr" : "appi"))
    throw invalid(
      `the incident is not recorded as falling under ${gdpr ? "gdpr" : "appi"}`,
      "options.report",
    );
  if (gdpr && o.contact === undefined)
    throw invalid("a GDPR notification names a contact point (Art. 33(3)(b))", "options.contact");
  const report = gdpr
    ? gdprNotification(i, o.contact as ContactPoint)
    : ppcReport(i, o.report === "ppc-final" ? "final" : "preliminary");
  const body =
    o.format === "pdf"
      ? reportPdf(report, { asOf: i.updatedAt })
      : utf8(o.format === "markdown" ? reportMarkdown(report) : reportHtml(report));
  const [ext, type] = TYPES[o.format];
  return {
    name: `${i.incidentId}-${o.report}.${ext}`,
    type,
    body,
    sha256: bytesToHex(sha256Bytes(body)),
  };
}

/**
 * The `data.exported` event for `file`: by `by`, to a download, one record, no personal
 * fields; `resourceId` is the incident, the query names the report and the last incident
 * event the report reflects (its sequence number, digits grouped: `1,234`); `contentHash`
 * is the file's SHA-256 (typed, not free text: a hex hash can look like a phone number to
 * the Note screen).
 */
export function reportExportEvent(
  i: Incident,
  o: ReportExportOptions,
  file: ReportFile,
  by: t.OutputOf<typeof Actor>,
): Pick<EventInput, "type" | "payload"> {
  const last = i.events[i.events.length - 1];
  return {
    type: "data.exported",
    payload: {
      format: o.format,
      destination: { kind: "download", id: by.id },
      recordCount: 1,
      fields: [],
      purpose: "regulator-report",
      resourceType: "incident-report",
      resourceId: i.incidentId,
      // Digits grouped with commas: the Note screen reads a run of 10 digits as a phone number.
      query: `${o.report} as of incident event ${(last?.seq ?? 0).toLocaleString("en-US")}`,
      contentHash: file.sha256,
    },
  } as Pick<EventInput, "type" | "payload">;
}
