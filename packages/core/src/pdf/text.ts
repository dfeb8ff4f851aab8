/**
 * Text for the PDF writer: what a character may be (control characters and lone
 * surrogates are replaced before anything is measured), which font draws it (printable
 * ASCII in Helvetica, everything else in the Adobe-Japan1 CID font), how wide it is, and
 * where a line may break — between words, between any two CJK characters except where
 * Japanese line-breaking rules (kinsoku shori, JIS X 4051) forbid it, and anywhere inside
 * a token too long for the line (a hash, a URL).
 */

/** Helvetica's advance widths (AFM, 1/1000 em) for the printable ASCII characters 0x20–0x7E. */
export const HELVETICA: readonly number[] = [
  278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, 556, 556, 556,
  556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, 1015, 667, 667, 722, 722, 667,
  611, 778, 722, 278, 500, 667, 556, 833, 722, 778, 667, 778, 722, 667, 611, 722, 667, 944, 667,
  667, 611, 278, 278, 278, 469, 556, 333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500,
  222, 833, 556, 556, 556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584,
];

/** Width of every character of the CID font: its `/DW`, so layout and reader agree exactly. */
export const CID_WIDTH = 1000;

/** C0 controls, DEL and C1 controls: never drawn, never passed through. */
// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point
export const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/g;

/**
 * The text as the PDF will carry it: tab, line and paragraph separators become a space,
 * other control characters (C0, DEL, C1) are dropped and a lone surrogate becomes U+FFFD,
 * so no byte of the input can reach the content stream except as a glyph code.
 */
export function pdfText(s: string): string {
  return s
    .replace(/[\t\n\r\v\f\u2028\u2029]/g, " ")
    .replace(CONTROL_CHARS, "")
    .replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, "\ufffd");
}

/** Whether Helvetica draws `ch` (printable ASCII); every other character uses the CID font. */
export function isLatin(ch: string): boolean {
  const c = ch.charCodeAt(0);
  return ch.length === 1 && c >= 0x20 && c <= 0x7e;
}

/** Advance width of one code point in 1/1000 em. */
export function charWidth(ch: string): number {
  return isLatin(ch) ? (HELVETICA[ch.charCodeAt(0) - 0x20] as number) : CID_WIDTH;
}

/** Width of `s` at `size` points. */
export function textWidth(s: string, size: number): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch);
  return (w * size) / 1000;
}

/** Characters a line may not start with (JIS X 4051 closing brackets, punctuation, small kana). */
const NO_START = new Set(
  "、。，．・：；？！゛゜ー—‐–〜～…‥々ゝゞヽヾぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ）」』】〕〉》｝］〙〗〟’”»,.:;!?)]}%",
);
/** Characters a line may not end with (opening brackets). */
const NO_END = new Set("（「『【〔〈《｛［〘〖〝‘“«([{");

/** Scripts written without spaces, where a line may break between any two characters. */
function breaksFreely(ch: string): boolean {
  const c = ch.codePointAt(0) as number;
  return (
    (c >= 0x2e80 && c <= 0x9fff) ||
    (c >= 0xf900 && c <= 0xfaff) ||
    (c >= 0xfe30 && c <= 0xfe4f) ||
    (c >= 0xff00 && c <= 0xffef) ||
    c >= 0x20000
  );
}

function breakBefore(prev: string, cur: string): boolean {
  if (cur === " ") return false;
  if (prev === " ") return true;
  if (NO_START.has(cur) || NO_END.has(prev)) return false;
  return breaksFreely(prev) || breaksFreely(cur);
}

/**
 * Break `text` (already {@link pdfText}) into lines no wider than `maxWidth` points at
 * `size`: greedily, at the last allowed break; a run with no allowed break that does not
 * fit (a long hash) is cut between characters. Spaces at a break are dropped; nothing
 * else is, so the lines joined hold every character of the input in order.
 */
export function wrapText(text: string, maxWidth: number, size: number): string[] {
  const cps = [...text];
  const widths = cps.map((ch) => (charWidth(ch) * size) / 1000);
  const lines: string[] = [];
  let start = 0;
  while (start < cps.length && cps[start] === " ") start++;
  while (start < cps.length) {
    const end = lineEnd(cps, widths, start, maxWidth);
    lines.push(cps.slice(start, end).join("").trimEnd());
    start = end;
    while (start < cps.length && cps[start] === " ") start++;
  }
  return lines.length === 0 ? [""] : lines;
}

/** Where the line starting at `start` ends (exclusive); always past `start`. */
function lineEnd(cps: string[], widths: number[], start: number, maxWidth: number): number {
  let w = 0;
  let lastBreak = -1;
  for (let i = start; i < cps.length; i++) {
    const ch = cps[i] as string;
    if (i > start && breakBefore(cps[i - 1] as string, ch)) lastBreak = i;
    const cw = widths[i] as number;
    // A space may hang past the margin: it is dropped at the break.
    if (ch !== " " && w + cw > maxWidth && i > start) return lastBreak > start ? lastBreak : i;
    w += cw;
  }
  return cps.length;
}
