import type { EventInput, Ledger } from "@daicho/core";

/**
 * A day in a small sales team's CRM: business cards scanned into contacts, staff reading
 * and exporting them, a consent change and a classification change. Every act is one
 * ledger event; no personal value (name, e-mail, phone) is written in clear.
 */
export function crmDay(): EventInput[] {
  const cards = ["contact-0001", "contact-0002", "contact-0003"];
  const at = (hour: number, minute = 0) =>
    `2026-11-25T${String(hour).padStart(2, "0")}:${String(minute).padStart(2, "0")}:00+09:00`;
  const sales = {
    id: "sales-tanaka",
    role: "sales",
    context: { ip: "203.0.113.24", device: "laptop-114", session: "sess-7c1" },
  };
  return [
    {
      type: "actor.onboarded",
      actor: { id: "admin-sato" },
      occurredAt: at(8, 30),
      payload: {
        actorId: "sales-tanaka",
        roles: ["sales"],
        teams: ["tokyo-east"],
        clearance: "internal",
      },
    },
    {
      type: "permission.granted",
      actor: { id: "admin-sato" },
      occurredAt: at(8, 31),
      payload: {
        grantId: "grant-contacts-tokyo-east",
        grantee: { role: "sales" },
        scope: { resourceType: "contact" },
        actions: ["read", "update", "export"],
        purposes: ["sales-follow-up"],
        fields: ["name", "company", "email", "phone"],
        grantedBy: "admin-sato",
        expiresAt: "2027-03-31T00:00:00Z",
      },
    },
    ...cards.flatMap((id, i): EventInput[] => [
      {
        type: "provenance.recorded",
        actor: sales,
        subjects: [id],
        occurredAt: at(9, i * 5),
        payload: {
          source: "card-scan",
          fields: ["name", "company", "email", "phone"],
          reference: `scan-${i + 1}`,
        },
      },
      {
        type: "record.created",
        actor: sales,
        subjects: [id],
        occurredAt: at(9, i * 5 + 1),
        payload: {
          resource: { type: "contact", id },
          fields: ["name", "company", "email", "phone"],
        },
      },
    ]),
    {
      type: "consent.granted",
      actor: { id: "web-form" },
      subjects: ["contact-0001"],
      occurredAt: at(10),
      payload: {
        purpose: "newsletter",
        lawfulBasis: "consent",
        evidence: { channel: "web", wordingVersion: "2026-10", capturedBy: "web-form" },
      },
    },
    ...cards.map(
      (id, i): EventInput => ({
        type: "data.accessed",
        actor: sales,
        subjects: [id],
        occurredAt: at(11, i),
        payload: {
          resource: { type: "contact", id },
          fields: ["name", "company", "phone"],
          purpose: "sales-follow-up",
          outcome: "allowed",
        },
      }),
    ),
    {
      type: "data.exported",
      actor: sales,
      subjects: cards,
      occurredAt: at(17, 45),
      payload: {
        format: "csv",
        destination: { kind: "download", id: "laptop-114" },
        recordCount: cards.length,
        fields: ["name", "company", "email"],
        purpose: "sales-follow-up",
      },
    },
    {
      type: "consent.withdrawn",
      actor: { id: "support-ito" },
      subjects: ["contact-0001"],
      occurredAt: at(18),
      payload: {
        purpose: "newsletter",
        evidence: { channel: "phone", wordingVersion: "2026-10", capturedBy: "support-ito" },
      },
    },
    {
      type: "classification.changed",
      actor: { id: "manager-suzuki" },
      subjects: ["contact-0002"],
      occurredAt: at(18, 30),
      payload: {
        resource: { type: "contact", id: "contact-0002" },
        field: "notes",
        level: "confidential",
        scope: { actors: ["manager-suzuki", "sales-tanaka"], until: "2026-12-31T00:00:00Z" },
        reason: "Meeting notes marked 'do not share' by the client",
      },
    },
  ];
}

/** Record the scenario, one event at a time as a CRM would. */
export async function recordCrmDay(ledger: Ledger): Promise<number> {
  let count = 0;
  for (const input of crmDay()) {
    await ledger.append(input);
    count++;
  }
  return count;
}
