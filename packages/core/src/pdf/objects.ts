/**
 * The file structure of a PDF 1.7 document (ISO 32000-1 §7.5): numbered indirect objects,
 * a classic cross-reference table with the byte offset of each, a trailer and
 * `startxref`. Every object is written as ASCII (text reaches content streams only as hex
 * strings), streams are uncompressed and the file identifier is a hash of the body, so
 * the same objects always give the same bytes on every platform and Node version.
 */
import { bytesToHex, sha256Bytes } from "../hash";

/** A PDF name (`/Type`), written as given: callers pass fixed ASCII names only. */
export const name = (n: string): string => `/${n}`;

/** An indirect reference to object `n`. */
export const ref = (n: number): string => `${n} 0 R`;

/** A dictionary from already-serialised values, keys in the order given. */
export function dict(entries: Record<string, string | number>): string {
  return `<< ${Object.entries(entries)
    .map(([k, v]) => `/${k} ${v}`)
    .join(" ")} >>`;
}

/** A number with at most three decimals and no exponent (PDF has no `1e-7`). */
export function num(x: number): string {
  const r = Math.round(x * 1000) / 1000;
  return Object.is(r, -0) ? "0" : String(r);
}

/** A text string (§7.9.2.2) as UTF-16BE with a byte-order mark, in hex: any Unicode, no escapes. */
export function textString(s: string): string {
  let hex = "FEFF";
  for (let i = 0; i < s.length; i++) hex += s.charCodeAt(i).toString(16).padStart(4, "0");
  return `<${hex.toUpperCase()}>`;
}

/** A PDF date (§7.9.4) in UTC from an ISO 8601 timestamp: `D:YYYYMMDDHHmmSSZ`. */
export function pdfDate(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) throw new RangeError("pdfDate needs an ISO 8601 timestamp");
  return `(D:${d.toISOString().replace(/[-:T]/g, "").slice(0, 14)}Z)`;
}

const ascii = (s: string): Uint8Array => {
  const out = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // Every writer in this folder emits ASCII; anything else is a bug, not input.
    if (c > 0x7e) throw new RangeError("PDF objects are written as ASCII only");
    out[i] = c;
  }
  return out;
};

/** A document being assembled: object 1 is the catalog, object 2 the information dictionary. */
export class PdfObjects {
  private readonly bodies: (string | undefined)[] = [];

  /** Reserve an object number (to refer to it before it is written). */
  reserve(): number {
    this.bodies.push(undefined);
    return this.bodies.length;
  }

  /** Write object `n`'s body (a serialised value). */
  set(n: number, body: string): void {
    this.bodies[n - 1] = body;
  }

  /** Add an object and return its number. */
  add(body: string): number {
    const n = this.reserve();
    this.set(n, body);
    return n;
  }

  /** Add a stream with `/Length` computed from its (ASCII) content and `extra` entries. */
  addStream(content: string, extra: Record<string, string | number> = {}): number {
    return this.add(`${dict({ ...extra, Length: content.length })}\nstream\n${content}\nendstream`);
  }

  /** The file: header, objects, xref table, trailer naming `root` and `info`. */
  serialize(root: number, info: number): Uint8Array {
    // The second line's bytes above 0x7F mark the file as binary for transfer tools (§7.5.2).
    const header = new Uint8Array([...ascii("%PDF-1.7\n%"), 0xe2, 0xe3, 0xcf, 0xd3, 0x0a]);
    const parts: Uint8Array[] = [header];
    const offsets: number[] = [];
    let at = header.length;
    this.bodies.forEach((body, i) => {
      if (body === undefined) throw new RangeError(`PDF object ${i + 1} was reserved, not written`);
      const bytes = ascii(`${i + 1} 0 obj\n${body}\nendobj\n`);
      offsets.push(at);
      parts.push(bytes);
      at += bytes.length;
    });
    const size = this.bodies.length + 1;
    const xref = [
      `xref\n0 ${size}\n0000000000 65535 f \n`,
      ...offsets.map((o) => `${String(o).padStart(10, "0")} 00000 n \n`),
    ].join("");
    const body = concat(parts);
    const id = bytesToHex(sha256Bytes(body).subarray(0, 16)).toUpperCase();
    const trailer = `trailer\n${dict({ Size: size, Root: ref(root), Info: ref(info), ID: `[<${id}> <${id}>]` })}\nstartxref\n${at}\n%%EOF\n`;
    return concat([body, ascii(xref + trailer)]);
  }
}

function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
