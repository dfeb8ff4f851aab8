/**
 * The regulator reports as PDF, from the same {@link IncidentReport} content as the
 * Markdown and HTML renderings: the title, the overview section (事案番号, deadlines…;
 * Reference, 72-hour deadline…) as a two-column table of its `label: value` lines, and
 * the form's numbered items (PPC 1–9; GDPR Art. 33(3)(a)–(d)) as a table of item and
 * answer, the way the PPC form and a supervisory authority's form lay them out. Nothing is
 * added beyond the report's content except the as-of time and page numbers.
 */
import { DaichoError } from "../errors";
import { type PdfBlock, renderPdf } from "../pdf/document";
import type { Incident, RegulatorStage } from "./model";
import { type ContactPoint, gdprNotification, type IncidentReport, ppcReport } from "./report";

/** Options of {@link reportPdf}. */
export interface ReportPdfOptions {
  /** ISO 8601 as-of time: the PDF's `/CreationDate` and the footer (use `incident.updatedAt`). */
  readonly asOf: string;
}

/** A form item's heading: `1. 概要`, `(a) Nature of the breach`. */
const FORM_ITEM = /^(\d+\.|\([a-z]\))\s/;
/** A `label: value` line of an overview section (the label short and without a colon). */
const LABELLED = /^([^:：]{1,40}): (.*)$/s;

function blocksOf(r: IncidentReport): PdfBlock[] {
  const blocks: PdfBlock[] = [];
  let items: (readonly string[])[][] | undefined;
  for (const s of r.sections) {
    if (FORM_ITEM.test(s.heading)) {
      if (items === undefined) {
        items = [];
        blocks.push({ kind: "table", columns: [0.32, 0.68], rows: items });
      }
      items.push([[s.heading], s.body]);
      continue;
    }
    items = undefined;
    blocks.push({ kind: "heading", text: s.heading });
    const pairs = s.body.map((l) => LABELLED.exec(l));
    if (s.body.length > 0 && pairs.every((m) => m !== null))
      blocks.push({
        kind: "table",
        columns: [0.32, 0.68],
        rows: pairs.map((m) => [[m?.[1] ?? ""], [m?.[2] ?? ""]]),
      });
    else for (const l of s.body) blocks.push({ kind: "paragraph", text: l });
  }
  return blocks;
}

/**
 * Render a report as a PDF (A4, Japanese or English): deterministic bytes for the same
 * report and `asOf`, so the file's SHA-256 can be recorded (the incident service's
 * `exportReport` does) and recomputed. Fonts are not embedded: Helvetica and the
 * Adobe-Japan1 fonts KozMinPr6N / KozGoPr6N with the `UniJIS-UTF16-H` CMap, which readers
 * substitute with an installed Japanese font; text can be searched and copied (ToUnicode).
 * Control characters in free text are dropped, never interpreted. Rejects a bad `asOf`
 * with `INVALID_ARGUMENT`.
 */
export function reportPdf(r: IncidentReport, options: ReportPdfOptions): Uint8Array {
  const t = Date.parse(options.asOf);
  // Years 1970–9999 only: a PDF date has four digits for the year.
  if (Number.isNaN(t) || t < 0 || t > 253_402_300_799_999)
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "asOf must be an ISO 8601 time (incident.updatedAt)",
      {
        path: "options.asOf",
      },
    );
  const asOf = new Date(t).toISOString();
  const footer = `${r.lang === "ja" ? "作成基準日時" : "As of"} ${asOf.slice(0, 16).replace("T", " ")} UTC`;
  return renderPdf({ lang: r.lang, title: r.title, createdAt: asOf, footer, blocks: blocksOf(r) });
}

/** The PPC report (速報 `preliminary` or 確報 `final`) of `i` as PDF, as of its last event. */
export function renderPpcReportPdf(
  i: Incident,
  stage: Extract<RegulatorStage, "preliminary" | "final">,
): Uint8Array {
  return reportPdf(ppcReport(i, stage), { asOf: i.updatedAt });
}

/** The GDPR Art. 33 notification of `i` as PDF, as of its last event. */
export function renderGdprNoticePdf(i: Incident, contact: ContactPoint): Uint8Array {
  return reportPdf(gdprNotification(i, contact), { asOf: i.updatedAt });
}
