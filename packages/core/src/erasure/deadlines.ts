/**
 * Legal deadlines for erasure requests, kept in one configurable place
 * (/work/shared/COMPLIANCE.md: "keep the numbers in one configurable place"). The host
 * picks a regime per request or overrides the period.
 */
export const ERASURE_DEADLINES = {
  /** GDPR Art. 12(3): answer without undue delay and within one month (extendable by two). */
  gdpr: { period: "P1M", clause: "GDPR Art. 12(3)" },
  /** CCPA: answer within 45 calendar days (Civ. Code §1798.130; 11 CCR §7021). */
  ccpa: { period: "P45D", clause: "Cal. Civ. Code §1798.130; 11 CCR §7021" },
} as const;

export type ErasureRegime = keyof typeof ERASURE_DEADLINES;

const PERIOD = /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)D)?$/;

/**
 * `from` plus an ISO 8601 calendar period (`P1M`, `P5Y`, `P45D`), in UTC. Months and
 * years that land past the end of a month stop at its last day (31 January + P1M =
 * 28 or 29 February), so a one-month deadline never spills into the month after.
 * Returns undefined for a malformed period.
 */
export function addPeriod(from: Date, period: string): Date | undefined {
  const m = PERIOD.exec(period);
  if (m === null) return undefined;
  const years = Number(m[1] ?? 0);
  const months = Number(m[2] ?? 0);
  const days = Number(m[3] ?? 0);
  const totalMonths = from.getUTCMonth() + months + years * 12;
  const year = from.getUTCFullYear() + Math.floor(totalMonths / 12);
  const month = ((totalMonths % 12) + 12) % 12;
  const lastDay = new Date(Date.UTC(year, month + 1, 0)).getUTCDate();
  const day = Math.min(from.getUTCDate(), lastDay);
  const out = new Date(
    Date.UTC(
      year,
      month,
      day,
      from.getUTCHours(),
      from.getUTCMinutes(),
      from.getUTCSeconds(),
      from.getUTCMilliseconds(),
    ),
  );
  out.setUTCDate(out.getUTCDate() + days);
  return out;
}
