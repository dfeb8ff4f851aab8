import { type IncidentReport, reportMarkdown, reportPdf } from "@daicho/core/incidents";
import { interleavedCpuMs, Report } from "./report";
import type { Section } from "./sections";

/** Items in the large report (BENCH_PDF_ITEMS; default 10,000). */
const ITEMS = Number(process.env.BENCH_PDF_ITEMS ?? 10_000);
const AS_OF = { asOf: "2026-05-02T00:00:00Z" };

/** A PPC-shaped report: an overview table and `items` numbered items of Japanese text. */
function report(items: number): IncidentReport {
  return {
    lang: "ja",
    title: "個人データの漏えい等の事案に関する報告（確報）",
    sections: [
      {
        heading: "報告の概要",
        body: [
          "事案番号: inc-019de5fc-2400-7176-9ce2-95bac438edfa",
          "発覚日時: 2026年5月1日 19:00",
        ],
      },
      ...Array.from({ length: items }, (_, n) => ({
        heading: `${n + 1}. 漏えい等が発生し、又は発生したおそれがある個人データの項目`,
        body: [
          `件数 ${n}：営業アカウントから担当地域外の連絡先が書き出された（不正の目的のおそれ）。`,
          `sha256 ${n.toString(16).padStart(64, "0")}`,
        ],
      })),
    ],
  };
}

/**
 * The PDF renderer beside the Markdown renderer of the same report (the baseline: string
 * building only), interleaved in CPU time: a 9-item report as the PPC form has, and a
 * large one (BENCH_PDF_ITEMS items).
 */
export const pdfSection: Section = {
  name: "pdf",
  async run() {
    const r = new Report("pdf");
    for (const [label, items, rounds] of [
      ["PPC-sized report (9 items)", 9, 41],
      [`${ITEMS.toLocaleString("en-US")}-item report`, ITEMS, 5],
    ] as const) {
      const rep = report(items);
      const { a: md, b: pdf } = interleavedCpuMs(
        () => reportMarkdown(rep),
        () => reportPdf(rep, AS_OF),
        rounds,
      );
      const bytes = reportPdf(rep, AS_OF);
      r.add({ name: `${label}: Markdown`, value: md, unit: "ms CPU" });
      r.add({
        name: `${label}: PDF`,
        value: pdf,
        unit: "ms CPU",
        vs: `${label}: Markdown`,
        note: `${(bytes.length / 1024).toFixed(0)} KiB`,
      });
    }
    return r;
  },
};
