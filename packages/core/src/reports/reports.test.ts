import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { chainEvents, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { actorHistory } from "./history";
import { recordsOfProcessing } from "./processing";
import { provisionRecords } from "./provision";

const D = 86_400_000;
const evidence = { channel: "web", wordingVersion: "v3", capturedBy: "form-7" };
const share = (
  relationship: string,
  recipient: string,
  at: number,
  subjects: string[],
  basis = "consent",
): EventInput =>
  ({
    type: "data.shared",
    actor: { id: "alice" },
    subjects,
    occurredAt: iso(at),
    payload: {
      recipient: { kind: "organisation", id: recipient },
      relationship,
      legalBasis: basis,
      fields: ["name", "email"],
      purpose: "partner-offers",
      contractRef: "ct-9",
    },
  }) as EventInput;

const events = chainEvents([
  {
    type: "consent.granted",
    actor: { id: "web" },
    subjects: ["c-1"],
    occurredAt: iso(T0),
    payload: { purpose: "partner-offers", lawfulBasis: "consent", evidence },
  },
  share("third-party", "partner-co", T0 + D, ["c-1", "c-2"]),
  share("entrusted", "sales-agency", T0 + 2 * D, ["c-3"], "contract"),
  share("joint-use", "group-co", T0 + 3 * D, ["c-3"], "contract"),
  {
    type: "retention.policy-set",
    actor: { id: "dpo" },
    occurredAt: iso(T0),
    payload: {
      policyId: "rp-1",
      appliesTo: { purpose: "partner-offers" },
      period: "P3Y",
      trigger: "last-contact",
    },
  },
  {
    type: "data.accessed",
    actor: { id: "bob", context: { ip: "10.0.0.2" } },
    subjects: ["c-1"],
    occurredAt: iso(T0 + D),
    payload: {
      resource: { type: "contact", id: "c-1" },
      fields: ["name", "salary"],
      maskedFields: ["salary"],
      purpose: "support",
      outcome: "allowed",
    },
  },
  {
    type: "data.accessed",
    actor: { id: "bob" },
    subjects: ["c-2"],
    occurredAt: iso(T0 + 40 * D),
    payload: {
      resource: { type: "contact", id: "c-2" },
      fields: ["phone"],
      purpose: "support",
      outcome: "denied",
      reasons: ["no-grant"],
    },
  },
  {
    type: "data.exported",
    actor: { id: "bob" },
    subjects: ["c-2"],
    occurredAt: iso(T0 + 2 * D),
    payload: {
      format: "csv",
      destination: { kind: "download", id: "browser" },
      recordCount: 1,
      fields: ["phone"],
      purpose: "support",
      resourceType: "contact",
    },
  },
]);

describe("APPI provision and entrustment records", () => {
  it("records each third-party provision with items, basis, per-subject consent evidence and retention", async () => {
    const views = new Views().applyAll(events);
    const r = await provisionRecords(events, { consent: views.consent });
    expect(r.thirdParty).toHaveLength(1);
    expect(r.thirdParty[0]).toMatchObject({
      date: iso(T0 + D),
      recipient: { kind: "organisation", id: "partner-co" },
      subjects: ["c-1", "c-2"],
      dataItems: ["name", "email"],
      basis: "consent",
      consent: [
        { subject: "c-1", status: "granted", eventId: "ev-0", wordingVersion: "v3" },
        { subject: "c-2", status: "never-asked" },
      ],
      retainUntil: iso(Date.UTC(2029, 3, 2)),
    });
    expect(r.entrusted.map((e) => [e.contractor, e.contractRef, e.subjects])).toEqual([
      ["sales-agency", "ct-9", ["c-3"]],
    ]);
    expect(r.otherExempt.map((e) => e.contractor)).toEqual(["group-co"]);
    const windowed = await provisionRecords(events, { window: { from: T0 + 2 * D } });
    expect(windowed.thirdParty).toHaveLength(0);
  });
});

describe("records of processing (GDPR Art. 30)", () => {
  it("derives purposes, bases, data and subject categories, recipients and retention from events", async () => {
    const r = await recordsOfProcessing(events);
    expect(r.map((a) => a.purpose)).toEqual(["partner-offers", "support"]);
    const partner = r[0];
    expect(partner).toMatchObject({
      lawfulBases: { consent: 2, contract: 2 },
      dataCategories: ["email", "name"],
      retention: [{ policyId: "rp-1", period: "P3Y" }],
    });
    expect(partner?.recipients.map((x) => x.relationship)).toEqual([
      "third-party",
      "entrusted",
      "joint-use",
    ]);
    // Masked and denied accesses are not processing.
    expect(r[1]).toMatchObject({
      dataCategories: ["name", "phone"],
      subjectCategories: ["contact"],
      accesses: 1,
      exports: 1,
    });
  });
});

describe("per-actor access history", () => {
  it("lists everything an actor touched in a window, attempts included", async () => {
    const all = await actorHistory(events, "bob");
    expect(all.map((a) => [a.type, a.outcome])).toEqual([
      ["data.accessed", "allowed"],
      ["data.accessed", "denied"],
      ["data.exported", undefined],
    ]);
    expect(all[0]).toMatchObject({ ip: "10.0.0.2", fields: ["name", "salary"], subjects: ["c-1"] });
    const month = await actorHistory(events, "bob", { from: T0, to: T0 + 30 * D });
    expect(month).toHaveLength(2);
  });
});
