import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { regulations } from "../reports/regulations";
import { chainEvents, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { impact } from "./impact";
import { impactMarkdown } from "./markdown";

const H = 3_600_000;
const access = (
  actor: string,
  at: number,
  subject: string,
  fields: string[],
  extra: Record<string, unknown> = {},
  ip = "10.0.0.1",
): EventInput => ({
  type: "data.accessed",
  actor: { id: actor, context: { ip, device: `dev-${actor}` } },
  subjects: [subject],
  occurredAt: iso(at),
  payload: {
    resource: { type: "contact", id: subject },
    fields,
    purpose: "sales",
    outcome: "allowed",
    ...extra,
  },
});

function scenario() {
  const events = chainEvents([
    {
      type: "classification.changed",
      actor: { id: "dpo" },
      occurredAt: iso(T0),
      payload: {
        resource: { type: "contact", id: "c-2" },
        field: "health",
        level: "strictly-confidential",
      },
    },
    access("mallory", T0 + 1 * H, "c-1", ["name", "email"]),
    access("mallory", T0 + 2 * H, "c-2", ["name", "health"]),
    access("mallory", T0 + 3 * H, "c-3", ["name", "salary"], { maskedFields: ["salary"] }),
    access("mallory", T0 + 4 * H, "c-4", ["name"], { outcome: "denied" }),
    access("alice", T0 + 2 * H, "c-5", ["name"]),
    access("mallory", T0 + 30 * H, "c-6", ["name"]), // outside the window
    {
      type: "data.exported",
      actor: { id: "bob", context: { ip: "203.0.113.7" } },
      subjects: ["c-7", "c-8"],
      occurredAt: iso(T0 + 5 * H),
      payload: {
        format: "csv",
        destination: { kind: "download", id: "browser" },
        recordCount: 2,
        fields: ["email"],
        purpose: "sales",
      },
    },
    {
      type: "erasure.completed",
      actor: { id: "dpo" },
      subjects: ["c-1"],
      occurredAt: iso(T0 + 10 * H),
      payload: { requestId: "er-1", keyIds: ["k-1"], eventsAffected: 1 },
    },
  ]);
  return { events, views: new Views().applyAll(events) };
}

describe("breach impact", () => {
  it("lists exactly the subjects, fields, levels and purposes an actor touched in the window", async () => {
    const { events, views } = scenario();
    const awareAt = T0 + 24 * H;
    const r = await impact(
      events,
      views,
      { actor: "mallory", from: T0, to: T0 + 24 * H },
      { awareAt, sensitiveFields: ["health"] },
    );
    expect(r.subjects.map((s) => s.id)).toEqual(["c-1", "c-2", "c-3"]);
    expect(r.subjects.find((s) => s.id === "c-2")).toMatchObject({
      fields: ["health", "name"],
      levels: ["internal", "strictly-confidential"],
    });
    expect(r.subjects.find((s) => s.id === "c-3")?.fields).toEqual(["name"]); // masked salary not disclosed
    expect(r).toMatchObject({
      eventsMatched: 3,
      deniedAttempts: 1,
      totals: { subjects: 3, highestLevel: "strictly-confidential", purposes: ["sales"] },
    });
    // Deadlines run from awareness: GDPR 72 h; APPI 3–5 days preliminary, 30 days final.
    expect(r.gdpr.authorityDeadline).toBe(iso(awareAt + 72 * H));
    expect(r.appi.preliminaryDeadline).toEqual({
      earliest: iso(awareAt + 3 * 24 * H),
      latest: iso(awareAt + 5 * 24 * H),
    });
    expect(r.appi.finalDeadline).toBe(iso(awareAt + 30 * 24 * H));
    expect(r.appi).toMatchObject({ reportable: true, triggers: ["sensitive-data"] });
    // c-1 was erased before awareness: listed as affected, not as someone to notify.
    expect(r.subjectsToNotify).toEqual(["c-2", "c-3"]);
  });

  it("filters by address or device, and uses 60 days for an improper purpose", async () => {
    const { events, views } = scenario();
    const r = await impact(
      events,
      views,
      { ip: "203.0.113.7", from: T0, to: T0 + 24 * H },
      { awareAt: T0, improperPurpose: true },
    );
    expect(r.subjects.map((s) => s.id)).toEqual(["c-7", "c-8"]);
    expect(r.appi).toMatchObject({
      reportable: true,
      triggers: ["improper-purpose"],
      finalDeadline: iso(T0 + 60 * 24 * H),
    });
    const byDevice = await impact(
      events,
      views,
      { device: "dev-alice", from: T0, to: T0 + 24 * H },
      { awareAt: T0 },
    );
    expect(byDevice.subjects.map((s) => s.id)).toEqual(["c-5"]);
    expect(byDevice.appi.reportable).toBe(false);
  });

  it("honours overridden numbers and the more-than-N people criterion", async () => {
    const { events, views } = scenario();
    const regs = regulations({
      appi: { reportablePeopleThreshold: 2 },
      gdpr: { authorityNotificationHours: 24 },
    });
    const r = await impact(
      events,
      views,
      { actor: "mallory", from: T0, to: T0 + 24 * H },
      { awareAt: T0, regulations: regs },
    );
    expect(r.appi.triggers).toEqual(["more-than-threshold"]);
    expect(r.gdpr.authorityDeadline).toBe(iso(T0 + 24 * H));
  });

  it("renders Markdown with the deadlines and the subjects to notify", async () => {
    const { events, views } = scenario();
    const r = await impact(
      events,
      views,
      { actor: "mallory", from: T0, to: T0 + 24 * H },
      { awareAt: T0 },
    );
    const md = impactMarkdown(r);
    expect(md).toContain("# Breach impact assessment");
    expect(md).toContain(`| Supervisory authority (GDPR) | notification | ${iso(T0 + 72 * H)}`);
    expect(md).toContain("## Subjects to notify (2)");
    expect(md).toContain("| c-2 | health, name | internal, strictly-confidential | sales | 1 |");
  });
});
