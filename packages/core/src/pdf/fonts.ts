/**
 * The fonts, none embedded, so the library ships no font file and reads none at run time:
 * Helvetica (a standard 14 font every reader has) for printable ASCII, and for everything
 * else a Type0 font over a CIDFontType0 of the Adobe-Japan1 collection — KozMinPr6N-Regular
 * (明朝, body text) and KozGoPr6N-Medium (ゴシック, headings) — encoded with the predefined
 * `UniJIS-UTF16-H` CMap (UTF-16BE codes), which conforming readers substitute with an
 * installed Japanese font. Each Type0 font carries a `/ToUnicode` CMap for the characters
 * the document uses, so copying and text extraction give the original text back.
 */
import { dict, name, type PdfObjects, ref } from "./objects";
import { CID_WIDTH, HELVETICA, isLatin } from "./text";

/** The fonts a page uses, by resource name. */
export type FontKey = "Helv" | "Min" | "Goth";

const CID_FONTS = {
  Min: { base: "KozMinPr6N-Regular", flags: 6, bbox: "[-437 -340 1147 1317]" },
  Goth: { base: "KozGoPr6N-Medium", flags: 4, bbox: "[-538 -374 1254 1418]" },
} as const;

/** A run of text in one font, as the hex string a `Tj` operator draws. */
export interface Run {
  readonly font: FontKey;
  readonly hex: string;
}

const hex4 = (n: number): string => n.toString(16).padStart(4, "0").toUpperCase();

/** UTF-16BE code of one code point: what `UniJIS-UTF16-H` (and our ToUnicode) reads. */
function utf16Hex(ch: string): string {
  let out = "";
  for (let i = 0; i < ch.length; i++) out += hex4(ch.charCodeAt(i));
  return out;
}

/**
 * Split a line into runs: printable ASCII in Helvetica, the rest in `cjk` (recorded in
 * `used` for the ToUnicode CMap).
 */
export function runsOf(line: string, cjk: "Min" | "Goth", used: Set<string>): Run[] {
  const runs: { font: FontKey; hex: string }[] = [];
  for (const ch of line) {
    const font: FontKey = isLatin(ch) ? "Helv" : cjk;
    const code = font === "Helv" ? ch.charCodeAt(0).toString(16).padStart(2, "0") : utf16Hex(ch);
    if (font !== "Helv") used.add(ch);
    const last = runs[runs.length - 1];
    if (last !== undefined && last.font === font) last.hex += code.toUpperCase();
    else runs.push({ font, hex: code.toUpperCase() });
  }
  return runs;
}

/** The `/ToUnicode` CMap (§9.10.3) mapping each used code (UTF-16BE) to itself as Unicode. */
export function toUnicodeCMap(used: ReadonlySet<string>): string {
  const codes = [...used].map(utf16Hex).sort();
  const blocks: string[] = [];
  for (let i = 0; i < codes.length; i += 100) {
    const chunk = codes.slice(i, i + 100);
    blocks.push(
      `${chunk.length} beginbfchar\n${chunk.map((c) => `<${c}> <${c}>`).join("\n")}\nendbfchar`,
    );
  }
  return [
    "/CIDInit /ProcSet findresource begin",
    "12 dict begin",
    "begincmap",
    "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
    "/CMapName /Daicho-UTF16-UCS def",
    "/CMapType 2 def",
    "3 begincodespacerange",
    "<0000> <D7FF>",
    "<D800DC00> <DBFFDFFF>",
    "<E000> <FFFF>",
    "endcodespacerange",
    ...blocks,
    "endcmap",
    "CMapName currentdict /CMap defineresource pop",
    "end",
    "end",
  ].join("\n");
}

/** Write the three fonts (one shared ToUnicode) and return the `/Font` resource dictionary. */
export function writeFonts(doc: PdfObjects, used: ReadonlySet<string>): string {
  const toUnicode = doc.addStream(toUnicodeCMap(used));
  const helv = doc.add(
    dict({
      Type: name("Font"),
      Subtype: name("Type1"),
      BaseFont: name("Helvetica"),
      Encoding: name("WinAnsiEncoding"),
      // Optional for a standard 14 font, but it pins the widths the layout used.
      FirstChar: 32,
      LastChar: 126,
      Widths: `[${HELVETICA.join(" ")}]`,
    }),
  );
  const cid = (key: "Min" | "Goth"): number => {
    const f = CID_FONTS[key];
    const descriptor = doc.add(
      dict({
        Type: name("FontDescriptor"),
        FontName: name(f.base),
        Flags: f.flags,
        FontBBox: f.bbox,
        ItalicAngle: 0,
        Ascent: 880,
        Descent: -120,
        CapHeight: 740,
        StemV: key === "Min" ? 70 : 110,
      }),
    );
    const descendant = doc.add(
      dict({
        Type: name("Font"),
        Subtype: name("CIDFontType0"),
        BaseFont: name(f.base),
        CIDSystemInfo: "<< /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >>",
        FontDescriptor: ref(descriptor),
        DW: CID_WIDTH,
      }),
    );
    return doc.add(
      dict({
        Type: name("Font"),
        Subtype: name("Type0"),
        // §9.7.6.1: a Type0 font over a CIDFontType0 is named font-CMap.
        BaseFont: name(`${f.base}-UniJIS-UTF16-H`),
        Encoding: name("UniJIS-UTF16-H"),
        DescendantFonts: `[${ref(descendant)}]`,
        ToUnicode: ref(toUnicode),
      }),
    );
  };
  return dict({ Helv: ref(helv), Min: ref(cid("Min")), Goth: ref(cid("Goth")) });
}
