/**
 * Text extraction the way a reader copies text: each page's content stream is tokenised,
 * `Tf` selects a font from the page's resources, and each string drawn by `Tj`/`TJ` is
 * decoded through that font — a simple font's bytes as WinAnsi (ASCII here), a Type0 font's
 * codes through its `/ToUnicode` CMap, split by the CMap's code-space ranges. It reads
 * the file's own bytes (after {@link checkPdfStructure}), not what the writer meant.
 */
import { checkPdfStructure, isDict, Parser, type PdfDict, type PdfValue } from "./structure";

interface CodeMap {
  readonly ranges: readonly { lo: string; hi: string }[];
  readonly map: ReadonlyMap<string, string>;
}

const hexOf = (b: Uint8Array) => Array.from(b, (x) => x.toString(16).padStart(2, "0")).join("");
const latin1 = (b: Uint8Array) => String.fromCharCode(...b);

function utf16(hex: string): string {
  const units = (hex.match(/.{4}/g) ?? []).map((u) => Number.parseInt(u, 16));
  return String.fromCharCode(...units);
}

/** Parse the code-space ranges and `bfchar`/`bfrange` entries of a ToUnicode CMap. */
function parseCMap(src: string): CodeMap {
  const ranges: { lo: string; hi: string }[] = [];
  const map = new Map<string, string>();
  const hex = (s: string) => [...s.matchAll(/<([0-9A-Fa-f]*)>/g)].map((m) => m[1]?.toLowerCase());
  for (const m of src.matchAll(/begincodespacerange([\s\S]*?)endcodespacerange/g)) {
    const h = hex(m[1] ?? "");
    for (let i = 0; i + 1 < h.length; i += 2) ranges.push({ lo: h[i] ?? "", hi: h[i + 1] ?? "" });
  }
  for (const m of src.matchAll(/beginbfchar([\s\S]*?)endbfchar/g)) {
    const h = hex(m[1] ?? "");
    for (let i = 0; i + 1 < h.length; i += 2) map.set(h[i] ?? "", utf16(h[i + 1] ?? ""));
  }
  for (const m of src.matchAll(/beginbfrange([\s\S]*?)endbfrange/g)) {
    const h = hex(m[1] ?? "");
    for (let i = 0; i + 2 < h.length; i += 3) {
      const [lo, hi, dst] = [h[i] ?? "", h[i + 1] ?? "", h[i + 2] ?? ""];
      const base = Number.parseInt(dst, 16);
      for (let c = Number.parseInt(lo, 16); c <= Number.parseInt(hi, 16); c++)
        map.set(
          c.toString(16).padStart(lo.length, "0"),
          utf16((base + c - Number.parseInt(lo, 16)).toString(16).padStart(dst.length, "0")),
        );
    }
  }
  return { ranges, map };
}

function decode(bytes: Uint8Array, font: CodeMap | undefined): string {
  if (font === undefined) return latin1(bytes);
  const hex = hexOf(bytes);
  let out = "";
  for (let at = 0; at < hex.length; ) {
    const range = font.ranges.find((r) => {
      const code = hex.slice(at, at + r.lo.length);
      return code.length === r.lo.length && code >= r.lo && code <= r.hi;
    });
    const len = range?.lo.length ?? 2;
    const code = hex.slice(at, at + len);
    out += font.map.get(code) ?? "\ufffd";
    at += len;
  }
  return out;
}

/** The text of each page of `bytes`, a line per text positioning (`Td`, `T*`, `BT`). */
export function extractPdfText(bytes: Uint8Array): string[] {
  const s = checkPdfStructure(bytes);
  const deref = (v: PdfValue | undefined) =>
    typeof v === "object" && v !== null && "ref" in v ? s.objects.get(v.ref) : v;
  return s.pages.map((page) => {
    const resources = deref(page.dict.get("Resources"));
    const fontDict = isDict(resources) ? deref(resources.dict.get("Font")) : undefined;
    const fonts = new Map<string, CodeMap | undefined>();
    if (isDict(fontDict))
      for (const [key, v] of fontDict.dict) {
        const f = deref(v);
        const tu = isDict(f) ? deref(f.dict.get("ToUnicode")) : undefined;
        fonts.set(key, isDict(tu) && tu.stream ? parseCMap(latin1(tu.stream)) : undefined);
      }
    const contents = deref(page.dict.get("Contents")) as PdfDict;
    return textOps(contents.stream ?? new Uint8Array(), fonts);
  });
}

function textOps(stream: Uint8Array, fonts: ReadonlyMap<string, CodeMap | undefined>): string {
  const p: Parser = new Parser(stream, 0);
  const lines: string[] = [];
  let line = "";
  let font: CodeMap | undefined;
  const operands: PdfValue[] = [];
  for (p.skip(); p.at < stream.length; p.skip()) {
    const c = String.fromCharCode(stream[p.at] as number);
    if (/[/(<[0-9.+-]/.test(c)) {
      operands.push(p.value());
      continue;
    }
    const op = p.word();
    if (op === "") p.fail("unexpected byte in a content stream");
    if (op === "Tf") {
      const n = operands[operands.length - 2] as { name?: string } | undefined;
      font = fonts.get(n?.name ?? "");
    } else if (op === "Td" || op === "TD" || op === "T*" || op === "BT") {
      if (line !== "") lines.push(line);
      line = "";
    } else if (op === "Tj" || op === "TJ") {
      const arg = operands[operands.length - 1];
      for (const x of Array.isArray(arg) ? arg : [arg])
        if (typeof x === "object" && x !== null && "str" in x) line += decode(x.str, font);
    }
    operands.length = 0;
  }
  if (line !== "") lines.push(line);
  return lines.join("\n");
}
