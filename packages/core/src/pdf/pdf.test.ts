import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { renderPdf } from "./document";
import { extractPdfText } from "./extract";
import { checkPdfStructure } from "./structure";
import { pdfText, textWidth, wrapText } from "./text";

const doc = (paragraphs: string[], createdAt = "2026-05-02T00:00:00.000Z") =>
  renderPdf({
    lang: "ja",
    title: "報告",
    createdAt,
    footer: "As of test",
    blocks: paragraphs.map((text) => ({ kind: "paragraph", text })),
  });

const latin1 = (b: Uint8Array) => Buffer.from(b).toString("latin1");
const edit = (b: Uint8Array, f: (s: string) => string) =>
  new Uint8Array(Buffer.from(f(latin1(b)), "latin1"));
const squash = (s: string) => pdfText(s).replace(/\s+/g, "");
/** The extracted text without the page furniture (footer and page numbers). */
const bodyText = (pdf: Uint8Array) =>
  extractPdfText(pdf)
    .flatMap((p) => p.split("\n"))
    .filter((l) => !/^\d+ \/ \d+$/.test(l) && l !== "As of test")
    .join("\n");

describe("line breaking", () => {
  it("breaks Japanese between characters, never before 。、）」 nor after （「", () => {
    const text =
      "個人データの漏えい等が発生し、又は発生したおそれがある事態（不正の目的）。".repeat(6);
    for (let width = 40; width <= 200; width += 7) {
      const lines = wrapText(text, width, 10);
      expect(lines.join("")).toBe(text);
      lines.forEach((l, i) => {
        expect(textWidth(l, 10)).toBeLessThanOrEqual(width);
        if (i > 0) expect("。、）」").not.toContain(l[0]);
        if (i < lines.length - 1) expect("（「").not.toContain(l[l.length - 1]);
      });
    }
  });

  it("cuts a token longer than the line (a hash) between characters and keeps all of it", () => {
    const hash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".repeat(5);
    const lines = wrapText(`hash ${hash} end`, 120, 10);
    expect(lines.length).toBeGreaterThan(4);
    for (const l of lines) expect(textWidth(l, 10)).toBeLessThanOrEqual(120);
    expect(lines.join("").replace(/ /g, "")).toBe(`hash${hash}end`);
    expect(lines[0]).toBe("hash");
  });

  it("breaks English at spaces, not inside words", () => {
    const lines = wrapText("Approximately 3 data subjects and 12 records concerned", 100, 10);
    expect(lines).toEqual(["Approximately 3 data", "subjects and 12", "records concerned"]);
  });

  it("property: every line fits and the lines hold every non-space character in order", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 400 }),
        fc.integer({ min: 12, max: 480 }),
        (s, width) => {
          const text = pdfText(s);
          const lines = wrapText(text, width, 10);
          for (const l of lines) {
            // A single character wider than the line is the only thing allowed to overflow.
            if ([...l].length > 1) expect(textWidth(l, 10)).toBeLessThanOrEqual(width + 1e-9);
          }
          expect(lines.join("").replace(/ /g, "")).toBe(text.replace(/ /g, ""));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("pdfText", () => {
  it("drops control characters, turns line breaks into spaces and lone surrogates into U+FFFD", () => {
    expect(pdfText("a\u0000b\u001bc\u007fd\u0085e")).toBe("abcde");
    expect(pdfText("a\nb\r\nc\td\u2028e")).toBe("a b  c d e");
    expect(pdfText("x\ud800y\udc00z😀")).toBe("x\ufffdy\ufffdz😀");
  });
});

describe("the PDF writer", () => {
  it("writes a file whose xref, objects and stream lengths check out, with text that extracts", () => {
    const pdf = doc(["漏えい等の報告 (report) ", "hash 0123456789abcdef"]);
    const s = checkPdfStructure(pdf);
    expect(s.problems).toEqual([]);
    expect(s.pages).toHaveLength(1);
    const text = extractPdfText(pdf).join("\n");
    expect(text).toContain("漏えい等の報告 (report)");
    expect(text).toContain("1 / 1");
    expect(latin1(pdf)).toMatch(/^%PDF-1\.7\n/);
  });

  it("gives the same bytes for the same document, and dates from createdAt only", () => {
    const a = doc(["同じ内容"]);
    expect(doc(["同じ内容"])).toEqual(a);
    const b = doc(["同じ内容"], "2027-01-02T03:04:05.000Z");
    expect(latin1(a)).toContain("/CreationDate (D:20260502000000Z)");
    expect(latin1(b)).toContain("/CreationDate (D:20270102030405Z)");
    expect(b).not.toEqual(a);
  });

  it("keeps hostile text inside its strings: ) ( \\ control characters, emoji, 10,000-character tokens", () => {
    const hostile = [
      ") Tj ET BT /F1 99 Tf (pwned",
      "\\) \\\\ ( ((( )))",
      "endstream endobj trailer << /Root 9 0 R >> %%EOF",
      "ctl\u0000\u0001\u0008\u001b[31m\u007f\u0085 end",
      "😀👩‍👩‍👧 𠮷野家 \ud83d",
      "x".repeat(10_000),
    ];
    const pdf = doc(hostile);
    const s = checkPdfStructure(pdf);
    expect(s.problems).toEqual([]);
    expect(s.pages.length).toBeGreaterThan(1);
    const text = squash(bodyText(pdf));
    for (const h of hostile) expect(text).toContain(squash(h));
    // Text reaches content streams only as hex strings: no literal string to break out of.
    for (const page of s.pages) {
      const contents = s.objects.get((page.dict.get("Contents") as { ref: number }).ref) as {
        stream: Uint8Array;
      };
      expect(latin1(contents.stream)).not.toMatch(/[()]/);
    }
  });

  it("lays out many pages, numbered n / N on each", () => {
    const pdf = doc(Array.from({ length: 400 }, (_, i) => `項目 ${i}: 件数と分類のみ`));
    const pages = extractPdfText(pdf);
    expect(pages.length).toBeGreaterThan(5);
    pages.forEach((p, i) => {
      expect(p).toContain(`${i + 1} / ${pages.length}`);
    });
  });
});

describe("the structure check", () => {
  const good = doc(["検査用の文書 for the structure check"]);

  it("accepts the writer's output and names the problem in a tampered file", () => {
    expect(checkPdfStructure(good).problems).toEqual([]);
    // An edited stream length.
    for (const delta of [5, -3]) {
      const length = edit(good, (s) =>
        s.replace(/\/Length (\d+)/, (_, n) => `/Length ${Number(n) + delta}`),
      );
      expect(checkPdfStructure(length).problems.join()).toMatch(/does not end at "endstream"/);
    }
    // One xref offset moved by a byte (onto the newline before its object).
    const moved = edit(good, (s) =>
      s.replace(
        /(xref\n0 \d+\n.{20}.{20})(\d{10})/s,
        (_, head, o) => `${head}${String(Number(o) - 1).padStart(10, "0")}`,
      ),
    );
    expect(checkPdfStructure(moved).problems.join()).toMatch(/does not point at "2 0 obj"/);
    // A byte inserted before the objects: startxref and every offset are off by one.
    const shifted = edit(good, (s) => s.replace("1 0 obj", " 1 0 obj"));
    expect(checkPdfStructure(shifted).problems.join()).toMatch(/does not point at/);
    // startxref pointing elsewhere.
    const xref = edit(good, (s) =>
      s.replace(/startxref\n(\d+)/, (_, n) => `startxref\n${Number(n) - 3}`),
    );
    expect(checkPdfStructure(xref).problems.join()).toMatch(/xref table/);
    // A reference to an object that does not exist.
    const dangling = edit(good, (s) => s.replace("/Info 2 0 R", "/Info 99 0 R"));
    expect(checkPdfStructure(dangling).problems.join()).toMatch(/reference 99 0 R names no object/);
    // A page count that lies.
    const count = edit(good, (s) => s.replace("/Count 1", "/Count 2"));
    expect(checkPdfStructure(count).problems.join()).toMatch(/\/Count does not match/);
    // Truncated.
    expect(checkPdfStructure(good.subarray(0, good.length - 200)).problems.length).toBeGreaterThan(
      0,
    );
    expect(checkPdfStructure(new Uint8Array()).problems.length).toBeGreaterThan(0);
  });

  it("property: never throws on a file with any one byte changed (it reports instead)", () => {
    fc.assert(
      fc.property(fc.nat(good.length - 1), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = good.slice();
        bad[at] = (bad[at] as number) ^ x;
        // Never throws; a change either breaks the structure or is one the syntax allows.
        const s = checkPdfStructure(bad);
        expect(Array.isArray(s.problems)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
