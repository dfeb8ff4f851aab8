/**
 * The contact-data screen for clear-text free text (Notes, `keep` values; docs/spec.md
 * §2.3). Notes are written in clear and survive erasure, so a Note that holds an e-mail
 * address or a phone number would outlive the person's erasure in every copy of the log.
 * This screen refuses the common shapes of contact data. It is a guard against careless
 * writers, not a detector of personal data: names, addresses in prose and most other
 * personal values cannot be recognised, which is why anything a data subject types is
 * sealed under their key instead of screened.
 *
 * Pure and linear in the text's length (every pattern advances on each step; no nested
 * unbounded repetition), so it can sit on the append path.
 */

/** The shapes of contact data the screen recognises. */
export type ContactDataKind =
  | "email"
  | "account-handle"
  | "url-credentials"
  | "contact-uri"
  | "phone"
  | "postal-code";

/**
 * The first kind of contact data `text` appears to hold, or `undefined` when none of the
 * screened shapes occurs. Checked after normalisation: NFKC (full-width digits, `＠`,
 * ideographic space), format characters (zero-width spaces, soft hyphens) removed, dash
 * variants (`‐ ‑ – — ― − ー ｰ`) read as `-`, kanji numerals `〇一二三四五六七八九` read as
 * digits, and the bracketed spellings `[at]`, `(at)`, `アットマーク` read as `@`.
 */
export function contactDataIn(text: string): ContactDataKind | undefined {
  const s = normalise(text);
  // Each check runs only when the character it needs is present: most Notes skip them all.
  if (s.includes("://") && URL_CREDENTIALS.test(s)) return "url-credentials";
  if (s.includes(":") && CONTACT_URI.test(s)) return "contact-uri";
  if (s.includes("@")) {
    if (EMAIL.test(s)) return "email";
    if (HANDLE.test(s)) return "account-handle";
  }
  if (s.includes("〒") && POSTAL_CODE.test(s)) return "postal-code";
  if (hasPhoneNumber(s)) return "phone";
  return undefined;
}

/** `scheme://user@host` or `scheme://user:password@host`. */
const URL_CREDENTIALS = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s/?#@]+@/i;
/** URIs whose whole point is to reach a person. */
const CONTACT_URI = /(?:^|[^a-z0-9])(?:mailto|tel|sms|callto|facetime):/i;
/** An `@` after a character a mailbox name may end with and before any text: local@domain. */
const EMAIL = /[\p{L}\p{N}!#$%&'*+\-/=?^_`{|}~."]@[^\s@]/u;
/** `@name` at the start of a word: a social-media or chat account. */
const HANDLE = /(?:^|[\s(「『"'（])@[\p{L}\p{N}_]/u;
/** Japanese postal code after the postal mark: 〒150-0001. */
const POSTAL_CODE = /〒\s?\d{3}-?\d{4}/u;

const FORMAT_CHARS = /\p{Cf}/gu;
const HAS_FORMAT_CHAR = /\p{Cf}/u;
const DASHES = /[\u2010-\u2015\u2212\u2043\u02d7\ufe58\ufe63\u30fc\uff70]/g;
const KANJI_DIGITS = /[〇一二三四五六七八九]/g;
const KANJI_VALUE: Readonly<Record<string, string>> = {
  〇: "0",
  一: "1",
  二: "2",
  三: "3",
  四: "4",
  五: "5",
  六: "6",
  七: "7",
  八: "8",
  九: "9",
};
const BRACKETED_AT = /\s*(?:[[(<{]\s*at\s*[\])>}]|アットマーク|あっとまーく)\s*/giu;
const BRACKETED_DOT = /\s*(?:[[(<{]\s*dot\s*[\])>}]|ドット)\s*/giu;

/** Printable ASCII is its own NFKC form and holds no format characters, dashes or kanji. */
const PRINTABLE_ASCII = /^[\x20-\x7e]*$/;

/** Whether a bracketed or katakana spelling of `@` or `.` occurs at all (most texts: no). */
const SPELLED = /[[(<{]\s*(?:at|dot)\s*[\])>}]|アット|あっと|ドット/i;

function normalise(text: string): string {
  if (PRINTABLE_ASCII.test(text)) return unspell(text);
  const nfkc = text.normalize("NFKC");
  return unspell(HAS_FORMAT_CHAR.test(nfkc) ? nfkc.replace(FORMAT_CHARS, "") : nfkc)
    .replace(DASHES, "-")
    .replace(KANJI_DIGITS, (d) => KANJI_VALUE[d] ?? d);
}

/** Read the bracketed and katakana spellings of `@` and `.` as the characters. */
function unspell(text: string): string {
  if (!SPELLED.test(text)) return text;
  return text.replace(BRACKETED_AT, "@").replace(BRACKETED_DOT, ".");
}

const isDate = (year: string, month: string, day: string) =>
  /^(19|20)\d\d$/.test(year) &&
  Number(month) >= 1 &&
  Number(month) <= 12 &&
  Number(day) >= 1 &&
  Number(day) <= 31;

/** Dates, times and IPv4 addresses are numbers with separators too; they are read as words. */
const NOT_A_PHONE: readonly [RegExp, (m: string, ...g: string[]) => string][] = [
  // 2026-11-25, 2026/11/25, 2026.11.25
  [
    /(?<![\d+])(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?!\d)/g,
    (m, y, _, mo, d) => (isDate(y, mo, d) ? " date " : m),
  ],
  // 25.11.2026, 11/25/2026
  [
    /(?<![\d+])(\d{1,2})([/.])(\d{1,2})\2(\d{4})(?!\d)/g,
    (m, a, _, b, y) => (isDate(y, a, b) || isDate(y, b, a) ? " date " : m),
  ],
  // 10:30, 10:30:00
  [/(?<!\d)\d{1,2}:\d{2}(?::\d{2})?(?!\d)/g, () => " time "],
  // 192.0.2.14
  [/(?<![\d+])\d{1,3}(?:\.\d{1,3}){3}(?![\d.])/g, () => " address "],
];
/**
 * A run of digits joined by up to three separators (space, `-`, `.`, `/`, parentheses),
 * optionally after `+`: `090-1234-5678`, `(03) 1234-5678`, `+81 (0)90 1234 5678`.
 */
const DIGIT_RUN = /(\+\s?)?\(?\d(?:[ \-./()]{0,3}\d)*/g;

/**
 * A phone number: a digit run with at least 10 digits (every Japanese number with its
 * area or mobile prefix, `0120` free dials, most national numbers elsewhere), or at least
 * 8 after `+` (E.164 with a country code). Longer runs (card or account numbers) count too.
 */
function hasPhoneNumber(s: string): boolean {
  // Fewer than 8 digits in the whole text cannot make a phone number.
  let count = 0;
  for (let i = 0; i < s.length && count < 8; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) count++;
  }
  if (count < 8) return false;
  let words = s;
  for (const [pattern, word] of NOT_A_PHONE) words = words.replace(pattern, word);
  for (const m of words.matchAll(DIGIT_RUN)) {
    const digits = m[0].replace(/\D/g, "").length;
    if (digits >= 10 || (m[1] !== undefined && digits >= 8)) return true;
  }
  return false;
}
