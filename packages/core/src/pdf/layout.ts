/**
 * Page layout on A4 with 20 mm margins: a title, headings kept with what follows,
 * wrapped paragraphs and bordered tables whose rows split across pages when they must.
 * Pure: blocks in, a list of pages of drawing operations out (positions in points, origin
 * bottom left), each page with room left at the foot for its number.
 */
import { pdfText, textWidth, wrapText } from "./text";

/** One block of a document, laid out top to bottom. */
export type PdfBlock =
  | { readonly kind: "heading"; readonly text: string }
  | { readonly kind: "paragraph"; readonly text: string }
  | {
      readonly kind: "table";
      /** Each column's share of the text width (they should sum to 1). */
      readonly columns: readonly number[];
      /** Rows of cells; a cell is a list of paragraphs. The first column is shaded. */
      readonly rows: readonly (readonly (readonly string[])[])[];
    };

/** What a page draws: text in a font family (`sans` for headings) or a filled/stroked box. */
export type DrawOp =
  | {
      readonly op: "text";
      readonly x: number;
      readonly y: number;
      readonly size: number;
      readonly family: "serif" | "sans";
      readonly text: string;
    }
  | {
      readonly op: "box";
      readonly x: number;
      readonly y: number;
      readonly w: number;
      readonly h: number;
      readonly fill: boolean;
    };

export const A4 = { width: 595.28, height: 841.89 } as const;
const MARGIN = 56.69; // 20 mm
const LEFT = MARGIN;
const TEXT_WIDTH = A4.width - 2 * MARGIN;
const TOP = A4.height - MARGIN;
const BOTTOM = MARGIN + 14; // the page number sits below this line
const BODY = { size: 10, lead: 15 };
const HEADING = { size: 12, lead: 18, before: 10 };
const TITLE = { size: 15, lead: 22 };
const PAD = 4;

/** Lays blocks onto pages; `pages` holds every page's operations in drawing order. */
class Flow {
  readonly pages: DrawOp[][] = [[]];
  private y = TOP;

  private get page(): DrawOp[] {
    return this.pages[this.pages.length - 1] as DrawOp[];
  }

  private newPage(): void {
    this.pages.push([]);
    this.y = TOP;
  }

  /** Start a new page unless `h` points still fit (or the page is empty). */
  private need(h: number): void {
    if (this.y - h < BOTTOM && this.y < TOP) this.newPage();
  }

  private line(text: string, size: number, lead: number, family: "serif" | "sans", x = LEFT) {
    this.page.push({ op: "text", x, y: this.y - 0.5 * lead - 0.35 * size, size, family, text });
  }

  title(text: string): void {
    for (const l of wrapText(pdfText(text), TEXT_WIDTH, TITLE.size)) {
      this.need(TITLE.lead);
      this.line(l, TITLE.size, TITLE.lead, "sans");
      this.y -= TITLE.lead;
    }
    this.page.push({ op: "box", x: LEFT, y: this.y - 4, w: TEXT_WIDTH, h: 0.8, fill: true });
    this.y -= 10;
  }

  heading(text: string): void {
    const lines = wrapText(pdfText(text), TEXT_WIDTH, HEADING.size);
    // Keep the heading with at least two lines of what follows.
    this.need(HEADING.before + lines.length * HEADING.lead + 2 * BODY.lead + 2 * PAD);
    if (this.y < TOP) this.y -= HEADING.before;
    for (const l of lines) {
      this.need(HEADING.lead);
      this.line(l, HEADING.size, HEADING.lead, "sans");
      this.y -= HEADING.lead;
    }
  }

  paragraph(text: string): void {
    for (const l of wrapText(pdfText(text), TEXT_WIDTH, BODY.size)) {
      this.need(BODY.lead);
      this.line(l, BODY.size, BODY.lead, "serif");
      this.y -= BODY.lead;
    }
    this.y -= 4;
  }

  table(columns: readonly number[], rows: readonly (readonly (readonly string[])[])[]): void {
    const widths = columns.map((c) => c * TEXT_WIDTH);
    const xs = widths.map((_, i) => LEFT + widths.slice(0, i).reduce((a, b) => a + b, 0));
    for (const row of rows) {
      const cells = widths.map((w, c) =>
        (row[c] ?? []).flatMap((p) => wrapText(pdfText(p), w - 2 * PAD, BODY.size)),
      );
      const n = Math.max(1, ...cells.map((c) => c.length));
      // A row that fits on a page is never split; a longer one fills page after page.
      if (n * BODY.lead + 2 * PAD <= TOP - BOTTOM) this.need(n * BODY.lead + 2 * PAD);
      for (let i = 0; i < n; ) {
        const room = Math.floor((this.y - BOTTOM - 2 * PAD) / BODY.lead);
        if (room <= 0) {
          this.newPage();
          continue;
        }
        const k = Math.min(room, n - i);
        this.rowFragment(xs, widths, cells, i, k);
        i += k;
      }
    }
    this.y -= 6;
  }

  private rowFragment(xs: number[], ws: number[], cells: string[][], from: number, k: number) {
    const h = k * BODY.lead + 2 * PAD;
    const y0 = this.y - h;
    this.page.push({ op: "box", x: LEFT, y: y0, w: ws[0] as number, h, fill: true });
    ws.forEach((w, c) => {
      this.page.push({ op: "box", x: xs[c] as number, y: y0, w, h, fill: false });
    });
    cells.forEach((lines, c) => {
      lines.slice(from, from + k).forEach((l, j) => {
        const top = this.y - PAD - j * BODY.lead;
        const family = c === 0 ? "sans" : "serif";
        const op = { op: "text", size: BODY.size, family, text: l } as const;
        this.page.push({ ...op, x: (xs[c] as number) + PAD, y: top - 0.5 * BODY.lead - 3.5 });
      });
    });
    this.y = y0;
  }
}

/** Lay out a titled document; every page gets `n / N` at its foot and `footer` on the left. */
export function layout(title: string, blocks: readonly PdfBlock[], footer: string): DrawOp[][] {
  const flow = new Flow();
  flow.title(title);
  for (const b of blocks) {
    if (b.kind === "heading") flow.heading(b.text);
    else if (b.kind === "paragraph") flow.paragraph(b.text);
    else flow.table(b.columns, b.rows);
  }
  const pages = flow.pages;
  const foot = wrapText(pdfText(footer), TEXT_WIDTH * 0.7, 8)[0] ?? "";
  pages.forEach((ops, i) => {
    const number = `${i + 1} / ${pages.length}`;
    const x = A4.width - MARGIN - textWidth(number, 8);
    ops.push({ op: "text", x, y: MARGIN - 10, size: 8, family: "sans", text: number });
    ops.push({ op: "text", x: LEFT, y: MARGIN - 10, size: 8, family: "sans", text: foot });
  });
  return pages;
}
