/**
 * Every legal number Daichō's reports and breach assessments use, in one place
 * (/work/shared/COMPLIANCE.md: "keep the numbers in one configurable place —
 * jurisdictions change them — and let the host override"). Each member cites its clause.
 * Not legal advice: hosts check these against their own counsel and override.
 */
export interface Regulations {
  readonly gdpr: {
    /** Art. 33(1): notify the supervisory authority within 72 hours of becoming aware. */
    readonly authorityNotificationHours: number;
  };
  readonly appi: {
    /**
     * Art. 26(1); Enforcement Rules Art. 8(1): preliminary report to the PPC "promptly"
     * (速やかに) — in practice about 3 to 5 days from becoming aware.
     */
    readonly preliminaryReportDays: { readonly min: number; readonly max: number };
    /** Rules Art. 8(2): final report within 30 days of becoming aware. */
    readonly finalReportDays: number;
    /** Rules Art. 8(2): 60 days when the leak involves an improper purpose (unauthorised access, insider theft). */
    readonly finalReportDaysImproperPurpose: number;
    /** Rules Art. 7(iv): reportable when more than this many people are affected. */
    readonly reportablePeopleThreshold: number;
    /** Art. 29(2)/30(4); Rules Arts. 21, 25: keep provision records 3 years as a rule… */
    readonly provisionRecordRetentionYears: number;
    /** …or 1 year where the record is the contract for goods or services to the person. */
    readonly provisionRecordRetentionYearsContract: number;
  };
}

export const DEFAULT_REGULATIONS: Regulations = Object.freeze({
  gdpr: Object.freeze({ authorityNotificationHours: 72 }),
  appi: Object.freeze({
    preliminaryReportDays: Object.freeze({ min: 3, max: 5 }),
    finalReportDays: 30,
    finalReportDaysImproperPurpose: 60,
    reportablePeopleThreshold: 1000,
    provisionRecordRetentionYears: 3,
    provisionRecordRetentionYearsContract: 1,
  }),
});

/** Overrides for {@link DEFAULT_REGULATIONS}, member by member. */
export interface RegulationOverrides {
  readonly gdpr?: Partial<Regulations["gdpr"]>;
  readonly appi?: Partial<Regulations["appi"]>;
}

/** The default numbers with the host's overrides applied. */
export function regulations(overrides: RegulationOverrides = {}): Regulations {
  return {
    gdpr: { ...DEFAULT_REGULATIONS.gdpr, ...overrides.gdpr },
    appi: { ...DEFAULT_REGULATIONS.appi, ...overrides.appi },
  };
}

const DAY = 86_400_000;

/** `at` plus whole calendar years in UTC (29 February rolls to 1 March). */
export function addYears(at: number, years: number): number {
  const d = new Date(at);
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d.getTime();
}

/** `at` plus days. */
export function addDays(at: number, days: number): number {
  return at + days * DAY;
}
