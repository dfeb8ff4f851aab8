/**
 * An independent reading of a PDF file's structure, for tests and for anyone checking an
 * exported report without a PDF toolchain: it trusts nothing the writer computed. It
 * finds `startxref`, reads the classic xref table, checks that each offset lands on its
 * `n 0 obj`, parses every object (a full tokenizer for the object syntax of §7.3), checks
 * each stream's `/Length` against the bytes up to `endstream`, that every reference
 * resolves, and that the page tree is consistent. It reports problems; it never throws.
 */

/** A parsed PDF value. */
export type PdfValue =
  | null
  | boolean
  | number
  | { readonly name: string }
  | { readonly str: Uint8Array }
  | { readonly ref: number }
  | readonly PdfValue[]
  | PdfDict;
export interface PdfDict {
  readonly dict: Map<string, PdfValue>;
  readonly stream?: Uint8Array;
}

/** What {@link checkPdfStructure} found: the problems (none when valid) and the objects. */
export interface PdfStructure {
  readonly problems: readonly string[];
  readonly objects: ReadonlyMap<number, PdfValue>;
  readonly trailer: PdfDict | undefined;
  /** The page dictionaries in document order. */
  readonly pages: readonly PdfDict[];
}

const WS = new Set([0x00, 0x09, 0x0a, 0x0c, 0x0d, 0x20]);
const DELIM = new Set([..."()<>[]{}/%"].map((c) => c.charCodeAt(0)));

/** A reader of the object syntax (§7.3), shared with the text extractor. */
export class Parser {
  constructor(
    readonly b: Uint8Array,
    public at: number,
  ) {}

  skip(): void {
    const b = this.b;
    while (this.at < b.length) {
      if (WS.has(b[this.at] as number)) this.at++;
      else if (b[this.at] === 0x25) while (this.at < b.length && b[this.at] !== 0x0a) this.at++;
      else return;
    }
  }

  word(): string {
    this.skip();
    const s = this.at;
    while (
      this.at < this.b.length &&
      !WS.has(this.b[this.at] as number) &&
      !DELIM.has(this.b[this.at] as number)
    )
      this.at++;
    return String.fromCharCode(...this.b.subarray(s, this.at));
  }

  fail(what: string): never {
    throw new Error(`${what} at byte ${this.at}`);
  }

  value(): PdfValue {
    this.skip();
    const c = this.b[this.at];
    if (c === undefined) this.fail("unexpected end of file");
    if (c === 0x2f) {
      this.at++;
      return { name: this.word() };
    }
    if (c === 0x28) return { str: this.literal() };
    if (c === 0x3c && this.b[this.at + 1] === 0x3c) return this.dictionary();
    if (c === 0x3c) return { str: this.hex() };
    if (c === 0x5b) {
      this.at++;
      const items: PdfValue[] = [];
      for (this.skip(); this.b[this.at] !== 0x5d; this.skip()) items.push(this.value());
      this.at++;
      return items;
    }
    const w = this.word();
    if (w === "true" || w === "false") return w === "true";
    if (w === "null") return null;
    if (!/^[+-]?(\d+\.?\d*|\.\d+)$/.test(w)) this.fail(`unexpected token "${w.slice(0, 20)}"`);
    const save = this.at;
    if (/^\d+$/.test(w)) {
      const gen = this.word();
      if (/^\d+$/.test(gen) && this.word() === "R") return { ref: Number(w) };
      this.at = save;
    }
    return Number(w);
  }

  dictionary(): PdfDict {
    this.at += 2;
    const dict = new Map<string, PdfValue>();
    for (this.skip(); !(this.b[this.at] === 0x3e && this.b[this.at + 1] === 0x3e); this.skip()) {
      const k = this.value();
      if (typeof k !== "object" || k === null || !("name" in k)) this.fail("dictionary key");
      dict.set(k.name, this.value());
    }
    this.at += 2;
    return { dict };
  }

  literal(): Uint8Array {
    const out: number[] = [];
    let depth = 0;
    for (this.at++; ; this.at++) {
      const c = this.b[this.at];
      if (c === undefined) this.fail("unterminated string");
      if (c === 0x5c) out.push(this.b[++this.at] as number);
      else if (c === 0x29 && depth === 0) break;
      else {
        if (c === 0x28) depth++;
        if (c === 0x29) depth--;
        out.push(c);
      }
    }
    this.at++;
    return new Uint8Array(out);
  }

  hex(): Uint8Array {
    const end = this.b.indexOf(0x3e, this.at);
    if (end < 0) this.fail("unterminated hex string");
    const digits = String.fromCharCode(...this.b.subarray(this.at + 1, end)).replace(/\s/g, "");
    if (!/^[0-9A-Fa-f]*$/.test(digits)) this.fail("bad hex string");
    this.at = end + 1;
    const padded = digits.length % 2 ? `${digits}0` : digits;
    return Uint8Array.from(padded.match(/../g) ?? [], (h) => Number.parseInt(h, 16));
  }
}

export const isDict = (v: PdfValue | undefined): v is PdfDict =>
  typeof v === "object" && v !== null && "dict" in v;

const text = (b: Uint8Array, from: number, to: number) =>
  String.fromCharCode(...b.subarray(from, Math.min(to, b.length)));

/** Parse the object at `offset`, which must be `n 0 obj`; returns its value (stream attached). */
function objectAt(b: Uint8Array, n: number, offset: number): PdfValue {
  const p: Parser = new Parser(b, offset);
  // The offset must land on the object's first byte, not on whitespace before it.
  const first = b[offset] ?? 0;
  if (
    first < 0x30 ||
    first > 0x39 ||
    p.word() !== String(n) ||
    p.word() !== "0" ||
    p.word() !== "obj"
  )
    p.fail(`xref offset of object ${n} does not point at "${n} 0 obj"`);
  let v = p.value();
  p.skip();
  if (text(b, p.at, p.at + 6) === "stream") {
    if (!isDict(v)) p.fail("stream without a dictionary");
    const length = v.dict.get("Length");
    if (typeof length !== "number") p.fail(`object ${n}: stream /Length is not a direct number`);
    let start = p.at + 6;
    if (b[start] === 0x0d) start++;
    if (b[start] !== 0x0a) p.fail(`object ${n}: "stream" not followed by an end of line`);
    start++;
    p.at = start + length;
    p.skip();
    if (text(b, p.at, p.at + 9) !== "endstream")
      p.fail(`object ${n}: /Length ${length} does not end at "endstream"`);
    p.at += 9;
    v = { dict: v.dict, stream: b.subarray(start, start + length) };
  }
  if (p.word() !== "endobj") p.fail(`object ${n}: missing endobj`);
  return v;
}

function references(v: PdfValue, out: number[]): void {
  if (v === null || typeof v !== "object") return;
  if (Array.isArray(v)) for (const x of v) references(x, out);
  else if ("ref" in v) out.push(v.ref);
  else if (isDict(v)) for (const x of v.dict.values()) references(x, out);
}

/** Read and check the structure of `bytes` as a PDF with a classic xref table. */
export function checkPdfStructure(bytes: Uint8Array): PdfStructure {
  const problems: string[] = [];
  const objects = new Map<number, PdfValue>();
  const pages: PdfDict[] = [];
  let trailer: PdfDict | undefined;
  try {
    if (text(bytes, 0, 7) !== "%PDF-1.") problems.push("no %PDF-1.x header");
    const tail = text(bytes, Math.max(0, bytes.length - 64), bytes.length);
    const m = /startxref\s+(\d+)\s+%%EOF\s*$/.exec(tail);
    if (m === null) throw new Error("no startxref / %%EOF at the end");
    const p: Parser = new Parser(bytes, Number(m[1]));
    if (text(bytes, p.at, p.at + 4) !== "xref" || p.word() !== "xref")
      p.fail("startxref does not point at an xref table");
    const entries = new Map<number, number>();
    for (;;) {
      const first = p.word();
      if (first === "trailer") break;
      const count = Number(p.word());
      if (!/^\d+$/.test(first) || !Number.isInteger(count)) p.fail("bad xref subsection");
      p.skip();
      for (let i = 0; i < count; i++, p.at += 20) {
        const e = /^(\d{10}) (\d{5}) ([nf])(\r\n| \n| \r)$/.exec(text(bytes, p.at, p.at + 20));
        if (e === null) p.fail("xref entry is not 20 bytes of the form 'oooooooooo ggggg n'");
        if (e[3] === "n") entries.set(Number(first) + i, Number(e[1]));
      }
    }
    const t = p.value();
    if (!isDict(t)) p.fail("trailer is not a dictionary");
    trailer = t;
    const size = t.dict.get("Size");
    const max = Math.max(0, ...entries.keys());
    if (size !== max + 1) problems.push(`trailer /Size ${String(size)} is not ${max + 1}`);
    for (const [n, offset] of entries) {
      try {
        objects.set(n, objectAt(bytes, n, offset));
      } catch (e) {
        problems.push((e as Error).message);
      }
    }
    const refs: number[] = [];
    references(t, refs);
    for (const v of objects.values()) references(v, refs);
    for (const r of new Set(refs))
      if (!objects.has(r)) problems.push(`reference ${r} 0 R names no object`);
    walkPages(objects, t, pages, problems);
  } catch (e) {
    problems.push((e as Error).message);
  }
  return { problems, objects, trailer, pages };
}

function walkPages(
  objects: ReadonlyMap<number, PdfValue>,
  trailer: PdfDict,
  pages: PdfDict[],
  problems: string[],
): void {
  const deref = (v: PdfValue | undefined) =>
    typeof v === "object" && v !== null && "ref" in v ? objects.get(v.ref) : v;
  const root = deref(trailer.dict.get("Root"));
  const type = (d: PdfValue | undefined) =>
    isDict(d) ? (d.dict.get("Type") as { name?: string } | undefined)?.name : undefined;
  if (type(root) !== "Catalog") return void problems.push("/Root is not a /Catalog");
  const tree = deref((root as PdfDict).dict.get("Pages"));
  if (type(tree) !== "Pages") return void problems.push("/Pages is not a page tree");
  const kids = (tree as PdfDict).dict.get("Kids");
  for (const k of Array.isArray(kids) ? kids : []) {
    const page = deref(k);
    if (type(page) !== "Page") problems.push("a /Kids entry is not a /Page");
    else {
      const contents = deref((page as PdfDict).dict.get("Contents"));
      if (!isDict(contents) || contents.stream === undefined)
        problems.push("a page's /Contents is not a stream");
      pages.push(page as PdfDict);
    }
  }
  if ((tree as PdfDict).dict.get("Count") !== pages.length)
    problems.push(`/Count does not match the ${pages.length} pages`);
}
