import { DEFAULT_REGULATIONS, type Regulations } from "../reports/regulations";
import { endOfLocalDayAfter } from "../requests/deadlines";

/** The deadlines of an incident, as instants (ISO strings); absent where its regime does not apply. */
export interface IncidentDeadlines {
  /** GDPR Art. 33(1): notify the supervisory authority within 72 hours of becoming aware. */
  readonly gdprAuthority?: string;
  /** APPI Rules Art. 8(1): the PPC's 速報, "promptly" — the target, at the short end of 3–5 days. */
  readonly appiPreliminary?: string;
  /** …and the long end of the practice (5 days); past it the 速報 is late. */
  readonly appiPreliminaryLatest?: string;
  /** APPI Rules Art. 8(2): the 確報 within 30 days, 60 for an improper purpose. */
  readonly appiFinal?: string;
}

/** The time zone APPI periods are counted in (Japan has one zone and no DST). */
export const APPI_TIME_ZONE = "Asia/Tokyo";

/**
 * An incident's deadlines from the instant the controller became aware. GDPR: exactly
 * `authorityNotificationHours` (72) later. APPI: periods in days counted in Japan's time
 * zone, the day of awareness not counted (Civil Code Art. 140), each ending at
 * 23:59:59.999 JST — 3 and 5 days for the 速報, 30 or 60 for the 確報. The numbers come from
 * `Regulations` (reports/regulations.ts), so a host overrides them in one place.
 */
export function incidentDeadlines(
  awareAt: Date,
  regimes: readonly ("gdpr" | "appi")[],
  improperPurpose: boolean,
  regs: Regulations = DEFAULT_REGULATIONS,
): IncidentDeadlines {
  const out: { -readonly [K in keyof IncidentDeadlines]: string } = {};
  if (regimes.includes("gdpr")) {
    out.gdprAuthority = new Date(
      awareAt.getTime() + regs.gdpr.authorityNotificationHours * 3_600_000,
    ).toISOString();
  }
  if (regimes.includes("appi")) {
    const a = regs.appi;
    const day = (n: number) => endOfLocalDayAfter(awareAt, n, APPI_TIME_ZONE).toISOString();
    out.appiPreliminary = day(a.preliminaryReportDays.min);
    out.appiPreliminaryLatest = day(a.preliminaryReportDays.max);
    out.appiFinal = day(improperPurpose ? a.finalReportDaysImproperPurpose : a.finalReportDays);
  }
  return out;
}
