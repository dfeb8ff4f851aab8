import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { keepLast, keepYear } from "../crypto/keep";
import { contactDataIn } from "./contact-screen";
import { KeepValue, Note } from "./primitives";

const vectors = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/notes-v1.json", import.meta.url), "utf8"),
) as { refused: { text: string; kind: string }[]; accepted: { text: string }[] };

/** Surrounding prose in the languages Notes are written in. */
const prose = fc.constantFrom(
  "",
  "contact ",
  "連絡先: ",
  "お客様の連絡先は ",
  "reach the person at ",
  "（本人希望）",
  " までご連絡ください",
  " please",
);

const digit = fc.integer({ min: 0, max: 9 }).map(String);
const digits = (n: number) =>
  fc.array(digit, { minLength: n, maxLength: n }).map((d) => d.join(""));
const FULL_WIDTH = (s: string) =>
  s.replace(/[0-9]/g, (d) => String.fromCharCode(0xff10 + Number(d)));
const KANJI = (s: string) =>
  s.replace(/[0-9]/g, (d) => "〇一二三四五六七八九"[Number(d)] as string);

/** Japanese numbers with their prefix (fixed lines 2-4-4 … 5-1-4, mobiles, free dial) and international ones. */
const phoneNumber = fc
  .tuple(
    fc.oneof(
      fc.tuple(digits(1), digits(4), digits(4)).map(([a, b, c]) => [`0${a}`, b, c]),
      fc.tuple(digits(2), digits(3), digits(4)).map(([a, b, c]) => [`0${a}`, b, c]),
      fc.tuple(digits(3), digits(2), digits(4)).map(([a, b, c]) => [`0${a}`, b, c]),
      fc.tuple(digits(4), digits(1), digits(4)).map(([a, b, c]) => [`0${a}`, b, c]),
      fc
        .tuple(fc.constantFrom("70", "80", "90"), digits(4), digits(4))
        .map(([a, b, c]) => [`0${a}`, b, c]),
      fc.tuple(digits(3), digits(3)).map(([b, c]) => ["0120", b, c]),
      fc
        .tuple(
          fc.constantFrom("+81", "+81 (0)"),
          fc.constantFrom("3", "90", "45"),
          digits(4),
          digits(4),
        )
        .map(([cc, a, b, c]) => [`${cc}${cc.endsWith(")") ? "" : " "}${a}`, b, c]),
      fc
        .tuple(fc.constantFrom("+1", "+44", "+33", "+49", "+86"), digits(3), digits(3), digits(2))
        .map(([cc, a, b, c]) => [`${cc} ${a}`, b, c]),
    ),
    fc.constantFrom("-", " ", "", ".", "‐", "−", "ー", "－", " - ", "\u200b"),
    fc.constantFrom<(s: string) => string>((s) => s, FULL_WIDTH, KANJI),
  )
  .map(([parts, sep, script]) => script(parts.join(sep)));

const emailAddress = fc
  .tuple(
    fc.emailAddress(),
    fc.constantFrom<(s: string) => string>(
      (s) => s,
      (s) => s.replace("@", "＠"),
      (s) => s.replace("@", " [at] "),
      (s) => s.replace("@", "(at)"),
      (s) =>
        s.normalize("NFKC").replace(/[!-~]/g, (c) => String.fromCharCode(c.charCodeAt(0) + 0xfee0)),
    ),
  )
  .map(([address, spell]) => spell(address));

/** Ordinary Note text: words, short numbers, dates and times — never two numbers in a row. */
const benignNote = fc
  .array(
    fc.tuple(
      fc.constantFrom(
        "litigation",
        "保存期間",
        "subpoena",
        "tax audit",
        "税務調査",
        "case",
        "Art. 17(3)(b)",
        "第70条",
      ),
      fc.oneof(
        fc.integer({ min: 0, max: 99_999 }).map(String),
        fc
          .date({ min: new Date("1990-01-01"), max: new Date("2099-12-31"), noInvalidDate: true })
          .map((d) => d.toISOString().slice(0, 10)),
        fc.constantFrom("10:30", "2026/04/01", "P5Y", "v3", ""),
      ),
    ),
    { minLength: 1, maxLength: 8 },
  )
  .map((ws) => ws.map(([w, n]) => `${w} ${n}`).join(", "));

const decodes = (codec: t.Decoder<unknown, unknown>, s: string) => E.isRight(codec.decode(s));

describe("the contact-data screen (docs/spec.md §2.3, docs/vectors/notes-v1.json)", () => {
  it("refuses every refused vector with its kind and accepts every accepted one, as a Note", () => {
    for (const { text, kind } of vectors.refused) {
      expect(contactDataIn(text), text).toBe(kind);
      expect(decodes(Note, text), text).toBe(false);
    }
    for (const { text } of vectors.accepted) {
      expect(contactDataIn(text), text).toBeUndefined();
      expect(decodes(Note, text), text).toBe(true);
    }
  });

  it("refuses generated e-mail addresses in any spelling, inside ASCII or Japanese prose", () => {
    fc.assert(
      fc.property(prose, emailAddress, prose, (before, address, after) => {
        const text = `${before}${address}${after}`;
        fc.pre(text.length <= 500);
        expect(contactDataIn(text)).toBeDefined();
        expect(decodes(Note, text)).toBe(false);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses generated Japanese and international phone numbers, full-width and kanji digits too", () => {
    fc.assert(
      fc.property(prose, phoneNumber, prose, (before, phone, after) => {
        const text = `${before}${phone}${after}`;
        expect(contactDataIn(text), text).toBe("phone");
        expect(decodes(Note, text)).toBe(false);
      }),
      { numRuns: 1000 },
    );
  });

  it("accepts ordinary Notes: words with short numbers, dates and times", () => {
    fc.assert(
      fc.property(benignNote, (text) => {
        fc.pre(text.length <= 500);
        expect(contactDataIn(text), text).toBeUndefined();
      }),
      { numRuns: 500 },
    );
  });

  it("says why and how to fix it, without echoing the text", () => {
    const r = Note.decode("call 090-1234-5678");
    expect(E.isLeft(r)).toBe(true);
    const message = E.isLeft(r) ? (r.left[0]?.message ?? "") : "";
    expect(message).toMatch(/contact data \(phone\)/);
    expect(message).toMatch(/seal the value as a personal field/);
    expect(message).not.toContain("090");
  });

  it("bounds `keep` to what keepLast and keepYear produce, and screens it", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "grapheme", maxLength: 40 }),
        fc.integer({ min: -3, max: 20 }),
        (v, n) => {
          const kept = keepLast(v, n);
          expect([...kept].length).toBeLessThanOrEqual(8);
          if (kept.length > 0 && contactDataIn(kept) === undefined)
            expect(decodes(KeepValue, kept)).toBe(true);
        },
      ),
    );
    expect(decodes(KeepValue, keepYear("1984-05-02") as string)).toBe(true);
    expect(decodes(KeepValue, "5678")).toBe(true);
    expect(decodes(KeepValue, "台帳台帳台帳台帳")).toBe(true);
    expect(decodes(KeepValue, "123456789")).toBe(false);
    expect(decodes(KeepValue, "ab@cd.jp")).toBe(false);
    expect(decodes(KeepValue, "")).toBe(false);
  });
});
