import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  addBusinessDays,
  localDate,
  REQUEST_DEADLINES,
  statutoryDates,
  weekdayOf,
} from "./deadlines";

const ZONES = ["Asia/Tokyo", "America/Los_Angeles", "Europe/Berlin", "UTC"] as const;
const instant = fc
  .integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 11, 31) })
  .map((ms) => new Date(ms));

/** Business days strictly after the local date of `from` up to the local date of `to`. */
function businessDaysBetween(from: Date, to: Date, zone: string, holidays: Set<string>): number {
  let n = 0;
  let day = localDate(from, zone);
  const end = localDate(to, zone);
  while (day < end) {
    const d = new Date(`${day}T12:00:00Z`);
    d.setUTCDate(d.getUTCDate() + 1);
    day = d.toISOString().slice(0, 10);
    const wd = weekdayOf(day);
    if (wd !== 0 && wd !== 6 && !holidays.has(day)) n++;
  }
  return n;
}

describe("request deadlines", () => {
  it("puts the GDPR month on the last day of a shorter month, leap years included", () => {
    const gdpr = REQUEST_DEADLINES.gdpr;
    const jan31 = new Date("2026-01-31T10:00:00.000Z");
    expect(statutoryDates("gdpr.access", jan31, gdpr).dueBy.toISOString()).toBe(
      "2026-02-28T10:00:00.000Z",
    );
    expect(
      statutoryDates("gdpr.access", new Date("2028-01-31T00:00:00Z"), gdpr).dueBy.toISOString(),
    ).toBe("2028-02-29T00:00:00.000Z");
    // One month plus two: three months from receipt at most.
    expect(statutoryDates("gdpr.access", jan31, gdpr).maxDueBy.toISOString()).toBe(
      "2026-04-30T10:00:00.000Z",
    );
  });

  it("gives CCPA 45 days, 90 at most, and a confirmation within 10 Pacific business days", () => {
    // Friday 2026-12-04 09:00 PST.
    const at = new Date("2026-12-04T17:00:00.000Z");
    const d = statutoryDates("ccpa.know", at, REQUEST_DEADLINES.ccpa);
    expect(d.dueBy.toISOString()).toBe("2027-01-18T17:00:00.000Z");
    expect(d.maxDueBy.toISOString()).toBe("2027-03-04T17:00:00.000Z");
    // Ten business days after Friday 4 December: Friday 18 December, end of day PST (UTC-8).
    expect(d.confirmBy?.toISOString()).toBe("2026-12-19T07:59:59.999Z");
    const optOut = statutoryDates("ccpa.opt-out", at, REQUEST_DEADLINES["ccpa.opt-out"]);
    expect(optOut.maxDueBy).toEqual(optOut.dueBy);
  });

  it("counts business days from the local date: a Saturday in Tokyo is still Friday in UTC", () => {
    const fridayUtcSaturdayJst = new Date("2026-12-04T15:30:00.000Z"); // Sat 00:30 JST
    expect(addBusinessDays(fridayUtcSaturdayJst, 1, "Asia/Tokyo").toISOString()).toBe(
      "2026-12-07T14:59:59.999Z", // end of Monday 7 December, JST
    );
    expect(addBusinessDays(fridayUtcSaturdayJst, 1, "UTC").toISOString()).toBe(
      "2026-12-07T23:59:59.999Z",
    );
    // Across the US change to daylight time (8 March 2026): the day ends at 23:59:59.999 PDT.
    expect(
      addBusinessDays(new Date("2026-03-06T20:00:00Z"), 1, "America/Los_Angeles").toISOString(),
    ).toBe("2026-03-10T06:59:59.999Z");
    expect(
      addBusinessDays(new Date("2026-12-28T03:00:00Z"), 2, "Asia/Tokyo", [
        "2026-12-29",
      ]).toISOString(),
    ).toBe(
      "2026-12-31T14:59:59.999Z", // Tue 29 is a holiday: Wed 30, Thu 31
    );
    expect(() => addBusinessDays(new Date(), 0, "UTC")).toThrow(RangeError);
  });

  it("property: n business days end on a business day, at local midnight, with exactly n counted", () => {
    fc.assert(
      fc.property(
        instant,
        fc.integer({ min: 1, max: 30 }),
        fc.constantFrom(...ZONES),
        fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 5 }),
        (from, n, zone, offsets) => {
          const holidays = offsets.map((k) => {
            const d = new Date(from.getTime() + k * 86_400_000);
            return localDate(d, zone);
          });
          const due = addBusinessDays(from, n, zone, holidays);
          const day = localDate(due, zone);
          const wd = weekdayOf(day);
          expect(wd).not.toBe(0);
          expect(wd).not.toBe(6);
          expect(holidays).not.toContain(day);
          // The last millisecond of the day: one more is the next local date.
          expect(localDate(new Date(due.getTime() + 1), zone)).not.toBe(day);
          expect(businessDaysBetween(from, due, zone, new Set(holidays))).toBe(n);
          expect(due.getTime()).toBeGreaterThan(from.getTime());
        },
      ),
      { numRuns: 200 },
    );
  });

  it("property: a calendar deadline is after receipt, monotone, and never spills into the next month", () => {
    fc.assert(
      fc.property(instant, instant, (a, b) => {
        const [x, y] = a <= b ? [a, b] : [b, a];
        const dx = statutoryDates("gdpr.erasure", x, REQUEST_DEADLINES.gdpr).dueBy;
        const dy = statutoryDates("gdpr.erasure", y, REQUEST_DEADLINES.gdpr).dueBy;
        expect(dx.getTime()).toBeGreaterThan(x.getTime());
        expect(dx.getTime()).toBeLessThanOrEqual(dy.getTime());
        const months =
          (dx.getUTCFullYear() - x.getUTCFullYear()) * 12 + dx.getUTCMonth() - x.getUTCMonth();
        expect(months).toBe(1);
      }),
      { numRuns: 500 },
    );
  });
});
