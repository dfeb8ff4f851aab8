/**
 * A minimal PDF 1.7 writer for text documents (the regulator reports): layout
 * (`layout.ts`) → content streams → fonts (`fonts.ts`) → file (`objects.ts`). The same
 * document always gives the same bytes: the dates come from `createdAt`, the file
 * identifier from a hash of the body, and nothing else varies, so the SHA-256 of a PDF can
 * be recorded as evidence and recomputed later.
 */
import { type FontKey, runsOf, writeFonts } from "./fonts";
import { A4, type DrawOp, layout, type PdfBlock } from "./layout";
import { dict, name, num, PdfObjects, pdfDate, ref, textString } from "./objects";

export type { PdfBlock } from "./layout";

/** A document to render. */
export interface PdfDocument {
  /** The document's language (`/Lang`: `ja` or `en`), for screen readers and search. */
  readonly lang: "ja" | "en";
  readonly title: string;
  /** ISO 8601 time written as `/CreationDate` and `/ModDate` (the report's as-of time). */
  readonly createdAt: string;
  /** A short line at the foot of every page, left of the page number (first line only). */
  readonly footer: string;
  readonly blocks: readonly PdfBlock[];
}

function contentStream(ops: readonly DrawOp[], used: Set<string>): string {
  const out: string[] = [];
  for (const o of ops) {
    if (o.op === "box") {
      const r = `${num(o.x)} ${num(o.y)} ${num(o.w)} ${num(o.h)} re`;
      out.push(o.fill ? `0.93 g ${r} f 0 g` : `0.5 w 0.55 G ${r} S 0 G`);
      continue;
    }
    if (o.text === "") continue;
    const cjk: FontKey = o.family === "sans" ? "Goth" : "Min";
    const runs = runsOf(o.text, cjk, used)
      .map((r) => `/${r.font} ${num(o.size)} Tf <${r.hex}> Tj`)
      .join(" ");
    out.push(`BT ${num(o.x)} ${num(o.y)} Td ${runs} ET`);
  }
  return out.join("\n");
}

/**
 * Render `doc` as PDF 1.7 bytes: A4 pages, text in non-embedded Helvetica and
 * Adobe-Japan1 fonts with a ToUnicode map (text can be searched and copied), page numbers.
 * Deterministic: equal documents give equal bytes. Throws `RangeError` only if `createdAt`
 * is not a timestamp.
 */
export function renderPdf(doc: PdfDocument): Uint8Array {
  const pdf = new PdfObjects();
  const catalog = pdf.reserve();
  const info = pdf.add(
    dict({
      Title: textString(doc.title),
      Producer: "(Daicho)",
      CreationDate: pdfDate(doc.createdAt),
      ModDate: pdfDate(doc.createdAt),
    }),
  );
  const pagesRoot = pdf.reserve();
  const used = new Set<string>();
  const streams = layout(doc.title, doc.blocks, doc.footer).map((ops) => contentStream(ops, used));
  const fonts = writeFonts(pdf, used);
  const kids = streams.map((s) =>
    pdf.add(
      dict({
        Type: name("Page"),
        Parent: ref(pagesRoot),
        MediaBox: `[0 0 ${A4.width} ${A4.height}]`,
        Resources: dict({ Font: fonts, ProcSet: "[/PDF /Text]" }),
        Contents: ref(pdf.addStream(s)),
      }),
    ),
  );
  pdf.set(
    pagesRoot,
    dict({ Type: name("Pages"), Kids: `[${kids.map(ref).join(" ")}]`, Count: kids.length }),
  );
  pdf.set(
    catalog,
    dict({
      Type: name("Catalog"),
      Pages: ref(pagesRoot),
      Lang: `(${doc.lang})`,
      ViewerPreferences: "<< /DisplayDocTitle true >>",
    }),
  );
  return pdf.serialize(catalog, info);
}
