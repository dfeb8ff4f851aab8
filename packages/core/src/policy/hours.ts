/**
 * Working hours in a named time zone (IANA, e.g. `Asia/Tokyo`, `Europe/Berlin`). The
 * offset from UTC is looked up with `Intl` once per UTC hour and cached, so a check costs
 * a map lookup and some arithmetic on the hot path of `decide`.
 */
export interface WorkingHours {
  readonly timeZone: string;
  /** Days of the week that are working days, 0 = Sunday … 6 = Saturday. */
  readonly days: readonly number[];
  /** Local start time `HH:MM`, inclusive. */
  readonly start: string;
  /** Local end time `HH:MM`, exclusive. A start after the end is an overnight shift. */
  readonly end: string;
}

const HOUR = 3_600_000;
const MAX_CACHED_HOURS = 4096;

/** Minutes after local midnight of `HH:MM`, or NaN. */
export function minutesOf(hhmm: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(hhmm);
  return m === null ? Number.NaN : Number(m[1]) * 60 + Number(m[2]);
}

/**
 * Compile a working-hours rule into a predicate on epoch milliseconds. Throws a
 * `RangeError` for an unknown time zone (configuration is decoded before this runs).
 */
export function compileWorkingHours(rule: WorkingHours): (at: number) => boolean {
  const format = new Intl.DateTimeFormat("en-US", {
    timeZone: rule.timeZone,
    hourCycle: "h23",
    year: "numeric",
    month: "numeric",
    day: "numeric",
    hour: "numeric",
    minute: "numeric",
    second: "numeric",
  });
  const offsets = new Map<number, number>();
  const offsetAt = (at: number): number => {
    const bucket = Math.floor(at / HOUR);
    let offset = offsets.get(bucket);
    if (offset === undefined) {
      const probe = bucket * HOUR;
      const parts: Record<string, number> = {};
      for (const p of format.formatToParts(probe))
        if (p.type !== "literal") parts[p.type] = Number(p.value);
      const local = Date.UTC(
        parts.year as number,
        (parts.month as number) - 1,
        parts.day as number,
        parts.hour as number,
        parts.minute as number,
        parts.second as number,
      );
      offset = local - probe;
      if (offsets.size >= MAX_CACHED_HOURS) offsets.clear();
      offsets.set(bucket, offset);
    }
    return offset;
  };
  const start = minutesOf(rule.start);
  const end = minutesOf(rule.end);
  const days = new Set(rule.days);
  return (at: number) => {
    const local = new Date(at + offsetAt(at));
    const minutes = local.getUTCHours() * 60 + local.getUTCMinutes();
    if (start <= end) return days.has(local.getUTCDay()) && minutes >= start && minutes < end;
    // Overnight shift: the part after midnight belongs to the previous day's shift.
    if (minutes >= start) return days.has(local.getUTCDay());
    if (minutes < end) return days.has((local.getUTCDay() + 6) % 7);
    return false;
  };
}
