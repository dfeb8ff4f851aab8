import * as t from "io-ts";

/**
 * The phone-number screen for identifiers (docs/spec.md §2.3). Ids are written in clear
 * and survive erasure in every copy of the log, so a subject id (or any id) that is the
 * person's phone number would outlive their erasure; `@` is already outside the Id
 * pattern, so e-mail addresses cannot be ids at all. This screen refuses the shapes a
 * careless writer produces when it uses a phone number as an id. It is a guard, not a
 * detector: a bare number that does not start with `0` (`2025550123`, `819012345678`,
 * an order or customer number) cannot be told from other numbers and passes.
 *
 * Pure and linear in the id's length; ids with fewer than 10 digits (most) stop at the
 * first count.
 */

/** Canonical UUIDs (any version) are read as one word: their hex groups are not phone digits. */
const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** An id that is one UUID (the library's own event ids): the common case, answered at once. */
const UUID_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Namespace separators: a phone number is looked for inside each part on its own. */
const SEGMENT = /[:/#]/;
/** Digit groups of a phone number are joined by `-` or `.` (the Id pattern allows no others). */
const WORD = /[-.]/;
const DIGITS = /^[0-9]+$/;
/** `YYYY-MM-DD` and `YYYY.MM.DD` (years 1900–2099): dates, not phone groups. */
const DATE =
  /(?<![0-9])(?:19|20)[0-9]{2}([-.])(?:0?[1-9]|1[0-2])\1(?:0?[1-9]|[12][0-9]|3[01])(?![0-9])/g;
/** A digit word that starts with a calendar date (`20261125`, `202611250930`, `20261125093000`). */
const COMPACT_DATE =
  /^(?:19|20)[0-9]{2}(?:0[1-9]|1[0-2])(?:0[1-9]|[12][0-9]|3[01])(?:[0-9]{4}(?:[0-9]{2})?)?$/;

/**
 * True when `id` holds a phone number in one of the shapes the screen recognises: within
 * one part of the id (parts are separated by `:`, `/` or `#`), a run of digit groups
 * joined by `-` or `.` with 10 to 15 digits in all that either has two or more groups
 * (`090-1234-5678`, `03.1234.5678`, `202-555-0123`, `81-90-1234-5678`) or is one number
 * starting with a national trunk prefix `0` and a non-zero digit (`09012345678`,
 * `0312345678`). Not phone numbers: runs starting `00` (zero-padded counters), dotted IPv4
 * addresses, calendar dates (`2026-11-25`, `20261125-0001`) and canonical UUIDs.
 */
export function phoneLikeId(id: string): boolean {
  let count = 0;
  for (let i = 0; i < id.length && count < 10; i++) {
    const c = id.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39) count++;
  }
  if (count < 10 || UUID_ID.test(id)) return false;
  const text = id.replace(UUID, "x").replace(DATE, "x");
  return text.split(SEGMENT).some(segmentHoldsPhone);
}

function segmentHoldsPhone(segment: string): boolean {
  let run: string[] = [];
  for (const word of [...segment.split(WORD), "x"]) {
    if (DIGITS.test(word) && !COMPACT_DATE.test(word)) {
      run.push(word);
      continue;
    }
    if (run.length > 0 && runIsPhone(run, segment)) return true;
    run = [];
  }
  return false;
}

function runIsPhone(groups: readonly string[], segment: string): boolean {
  const digits = groups.join("");
  if (digits.length < 10 || digits.length > 15 || digits.startsWith("00")) return false;
  if (groups.length === 1) return /^0[1-9]/.test(digits);
  const dotted = groups.join(".");
  const ipv4 = groups.length === 4 && segment.includes(dotted) && groups.every(isOctet);
  return !ipv4;
}

const isOctet = (g: string) => g.length <= 3 && Number(g) <= 255;

/** Codecs whose decoding screens the Ids inside them, by the wrapper `screenPhoneLikeIds` made. */
const SCREENING = new WeakSet<t.Decoder<unknown, unknown>>();
const WRAPPED = new WeakMap<t.Mixed, t.Mixed>();

/**
 * `codec`, decoding exactly as before except that every `Id` decoded inside it is also
 * refused when it is phone-like. The wrapper marks the io-ts context (every combinator
 * passes it on to its members), so one catalogue of codecs serves both the append path,
 * which screens, and readers (erasure requests, subject access, certificates), which
 * must accept ids a ledger already holds.
 */
export function screenPhoneLikeIds<C extends t.Mixed>(
  codec: C,
): t.Type<t.TypeOf<C>, t.OutputOf<C>, unknown> {
  const known = WRAPPED.get(codec);
  if (known !== undefined) return known;
  const wrapped: t.Type<t.TypeOf<C>, t.OutputOf<C>, unknown> = new t.Type(
    codec.name,
    codec.is,
    (u, c) => codec.validate(u, t.appendContext(c, "", wrapped, u)),
    codec.encode,
  );
  SCREENING.add(wrapped);
  WRAPPED.set(codec, wrapped);
  return wrapped;
}

/** True inside a codec wrapped by `screenPhoneLikeIds`. */
export function screensPhoneLikeIds(c: t.Context): boolean {
  for (let i = c.length - 1; i >= 0; i--) {
    if (SCREENING.has((c[i] as t.ContextEntry).type)) return true;
  }
  return false;
}
