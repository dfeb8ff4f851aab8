import { addPeriod } from "../erasure/deadlines";
import type { RequestRight } from "../events/requests";
import { type Regime, regimeOf } from "./rights";

/**
 * A deadline rule: a calendar period (`P1M`, `P45D`, from the instant of receipt, in UTC,
 * as erasure's deadlines) or a count of business days (Monday to Friday in `timeZone`,
 * minus `holidays`, ending at the end of the last one, local time).
 */
export type DeadlineRule =
  | { readonly period: string }
  | {
      readonly businessDays: number;
      readonly timeZone: string;
      /** Local dates (`YYYY-MM-DD`) that are not business days. None are built in. */
      readonly holidays?: readonly string[];
    };

/** The numbers of one regime (or one right), kept in one configurable place. */
export interface DeadlineRules {
  /** The answer is due by this. */
  readonly answer: DeadlineRule;
  /** Receipt must be confirmed by this (CCPA); absent where the law asks for no confirmation. */
  readonly confirm?: DeadlineRule;
  /** The latest date any extension may reach, from receipt; absent: no extension. */
  readonly maxExtension?: DeadlineRule;
  /** How many extensions may be recorded (CCPA: one). */
  readonly maxExtensions: number;
  readonly clause: string;
}

/**
 * The per-regime numbers (COMPLIANCE.md, "Requests from the people the data is about"):
 * GDPR one month + up to two (Art. 12(3)); CCPA confirm within 10 business days, answer in
 * 45 days, +45 once (11 CCR §7021; Civ. Code §1798.130), opt-out within 15 business days
 * (11 CCR §7026(f)); APPI "without delay" (遅滞なく, Arts. 33–35) — no day count in law,
 * so a configurable internal target, 14 days by default, extendable to one month with a
 * recorded reason. Business days for CCPA count in America/Los_Angeles; no holiday
 * calendar is built in (pass `holidays`).
 */
export const REQUEST_DEADLINES: Readonly<Record<Regime | "ccpa.opt-out", DeadlineRules>> = {
  gdpr: {
    answer: { period: "P1M" },
    maxExtension: { period: "P3M" },
    maxExtensions: 2,
    clause: "GDPR Art. 12(3)",
  },
  ccpa: {
    answer: { period: "P45D" },
    confirm: { businessDays: 10, timeZone: "America/Los_Angeles" },
    maxExtension: { period: "P90D" },
    maxExtensions: 1,
    clause: "Cal. Civ. Code §1798.130(a)(2); 11 CCR §7021",
  },
  "ccpa.opt-out": {
    answer: { businessDays: 15, timeZone: "America/Los_Angeles" },
    maxExtensions: 0,
    clause: "11 CCR §7026(f)",
  },
  appi: {
    answer: { period: "P14D" },
    maxExtension: { period: "P1M" },
    maxExtensions: 2,
    clause: "APPI Arts. 33–35 (遅滞なく; internal target)",
  },
};

/** The rules that apply to `right`, with the host's overrides. */
export function rulesFor(
  right: RequestRight,
  overrides: Partial<Record<Regime | "ccpa.opt-out", DeadlineRules>> = {},
): DeadlineRules {
  const key = right === "ccpa.opt-out" ? "ccpa.opt-out" : regimeOf(right);
  return overrides[key] ?? REQUEST_DEADLINES[key];
}

/** `from` plus `rule`; undefined for a malformed period. */
export function applyRule(from: Date, rule: DeadlineRule): Date | undefined {
  if ("period" in rule) return addPeriod(from, rule.period);
  return addBusinessDays(from, rule.businessDays, rule.timeZone, rule.holidays);
}

/** The statutory dates of a request received at `receivedAt`. */
export interface StatutoryDates {
  readonly dueBy: Date;
  readonly confirmBy?: Date;
  /** The latest date extensions may reach (equal to `dueBy` where no extension is allowed). */
  readonly maxDueBy: Date;
}

/** The dates a request for `right` received at `receivedAt` must meet under `rules`. */
export function statutoryDates(
  right: RequestRight,
  receivedAt: Date,
  rules: DeadlineRules,
): StatutoryDates {
  const dueBy = applyRule(receivedAt, rules.answer);
  if (dueBy === undefined) throw new RangeError(`malformed deadline rule for ${right}`);
  const confirmBy = rules.confirm === undefined ? undefined : applyRule(receivedAt, rules.confirm);
  const max = rules.maxExtension === undefined ? dueBy : applyRule(receivedAt, rules.maxExtension);
  return {
    dueBy,
    ...(confirmBy === undefined ? {} : { confirmBy }),
    maxDueBy: max === undefined || max < dueBy ? dueBy : max,
  };
}

const WEEKDAY: Record<string, number> = { Sun: 0, Mon: 1, Tue: 2, Wed: 3, Thu: 4, Fri: 5, Sat: 6 };

interface LocalDate {
  readonly y: number;
  readonly m: number; // 1–12
  readonly d: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = makeFormatter(timeZone); // throws RangeError for an unknown zone
    formatters.set(timeZone, f);
  }
  return f;
}

function makeFormatter(timeZone: string): Intl.DateTimeFormat {
  return new Intl.DateTimeFormat("en-US", {
    timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
  });
}

/** The wall-clock fields of `at` in `timeZone`, as a UTC millisecond count. */
function wallClock(f: Intl.DateTimeFormat, at: number): number {
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return Date.UTC(
    Number(p.year),
    Number(p.month) - 1,
    Number(p.day),
    Number(p.hour),
    Number(p.minute),
    Number(p.second),
  );
}

/** The instant at which the local date `day` starts in the zone of `f`. */
function startOfLocalDay(f: Intl.DateTimeFormat, day: LocalDate): number {
  const wall = Date.UTC(day.y, day.m - 1, day.d);
  const offset = (at: number) => wallClock(f, at) - at; // offsets are whole minutes
  const guess = wall - offset(wall);
  // A second pass settles a guess made with the offset on the other side of a DST change.
  return wall - offset(guess);
}

function localDateOf(f: Intl.DateTimeFormat, at: number): LocalDate {
  const w = new Date(wallClock(f, at));
  return { y: w.getUTCFullYear(), m: w.getUTCMonth() + 1, d: w.getUTCDate() };
}

function nextDay(day: LocalDate): LocalDate {
  const n = new Date(Date.UTC(day.y, day.m - 1, day.d + 1));
  return { y: n.getUTCFullYear(), m: n.getUTCMonth() + 1, d: n.getUTCDate() };
}

function isoDate(day: LocalDate): string {
  return `${String(day.y).padStart(4, "0")}-${String(day.m).padStart(2, "0")}-${String(day.d).padStart(2, "0")}`;
}

/** Day of the week of a local date (0 = Sunday). */
export function weekdayOf(day: string): number {
  const [y, m, d] = day.split("-").map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d)).getUTCDay();
}

/** The local date (`YYYY-MM-DD`) of `at` in `timeZone`. */
export function localDate(at: Date, timeZone: string): string {
  return isoDate(localDateOf(formatter(timeZone), at.getTime()));
}

/**
 * The end (last millisecond) of the `days`-th business day after the local date of `from`
 * in `timeZone`: the day of receipt is not counted, Saturdays, Sundays and `holidays`
 * (local `YYYY-MM-DD`) are skipped. A request received on Friday evening in Tokyo, which
 * is Friday morning UTC, counts from the Tokyo Friday. `days` ≥ 1.
 */
export function addBusinessDays(
  from: Date,
  days: number,
  timeZone: string,
  holidays: readonly string[] = [],
): Date {
  if (!Number.isSafeInteger(days) || days < 1)
    throw new RangeError("days must be a positive integer");
  const f = formatter(timeZone);
  const skip = new Set(holidays);
  let day = localDateOf(f, from.getTime());
  let counted = 0;
  while (counted < days) {
    day = nextDay(day);
    const iso = isoDate(day);
    const wd = weekdayOf(iso);
    if (wd !== WEEKDAY.Sat && wd !== WEEKDAY.Sun && !skip.has(iso)) counted++;
  }
  return new Date(startOfLocalDay(f, nextDay(day)) - 1);
}

/**
 * The end (last millisecond) of the local day `days` calendar days after the local date
 * of `from` in `timeZone`: the day of `from` is not counted (as Japan's Civil Code
 * Art. 140 counts periods in days), so `days` = 30 from a leak learnt of on 1 May in
 * Tokyo ends at 23:59:59.999 JST on 31 May. `days` ≥ 0.
 */
export function endOfLocalDayAfter(from: Date, days: number, timeZone: string): Date {
  if (!Number.isSafeInteger(days) || days < 0)
    throw new RangeError("days must be a whole number ≥ 0");
  const f = formatter(timeZone);
  let day = localDateOf(f, from.getTime());
  for (let i = 0; i < days; i++) day = nextDay(day);
  return new Date(startOfLocalDay(f, nextDay(day)) - 1);
}
