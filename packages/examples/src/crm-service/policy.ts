/**
 * The CRM's access policy and monitoring thresholds, and the staff it starts with. Every
 * number here is the host's choice; Daichō only applies it.
 */
import type { EventInput } from "@daicho/core";
import { compileMonitorConfig } from "@daicho/core/monitor";
import { compilePolicy } from "@daicho/core/policy";

/** Every field a contact (a scanned business card) has; all of them are personal values. */
export const CONTACT_FIELDS = ["name", "company", "email", "phone", "notes"] as const;
export type ContactField = (typeof CONTACT_FIELDS)[number];

/**
 * Purposes the CRM processes contacts for. Sales follow-up rests on legitimate interests
 * for every contact (no per-person consent needed, but an objection still locks the
 * person); the newsletter needs each person's own recorded consent (GDPR Art. 6(1)(a)).
 */
export const crmPolicy = compilePolicy({
  purposes: {
    "sales-follow-up": { basis: "legitimate-interests", perSubject: false },
    "account-management": { basis: "contract", perSubject: false },
    newsletter: { basis: "consent" },
  },
});

/** One actor exporting more than 50 contacts within an hour is a mass export (SOC 2 CC7.2). */
export const crmMonitor = compileMonitorConfig({
  massExport: { windowMs: 60 * 60 * 1000, maxSubjects: 50 },
  repeatedDenials: { count: 3, windowMs: 10 * 60 * 1000 },
  approvedDestinations: [
    { kind: "download", id: "*" },
    { kind: "organisation", id: "hoshi-sales" }, // the entrusted sales agency
  ],
});

/**
 * The team on day one: an administrator onboards a sales rep (internal clearance), a
 * manager (confidential clearance) and a support agent, and grants roles, not people.
 * Sales may read, create, update and export the card fields but not the notes; managers
 * may see everything.
 */
export function crmStaff(at?: string): EventInput[] {
  const admin = { id: "admin-sato", role: "admin" };
  const when = at === undefined ? {} : { occurredAt: at };
  const onboard = (actorId: string, role: string, clearance: "internal" | "confidential") =>
    ({
      type: "actor.onboarded",
      actor: admin,
      ...when,
      payload: { actorId, roles: [role], teams: ["tokyo-east"], clearance },
    }) as EventInput;
  return [
    onboard("sales-tanaka", "sales", "internal"),
    onboard("manager-suzuki", "manager", "confidential"),
    onboard("support-ito", "support", "internal"),
    {
      type: "permission.granted",
      actor: admin,
      ...when,
      payload: {
        grantId: "grant-sales-contacts",
        grantee: { role: "sales" },
        scope: { resourceType: "contact" },
        actions: ["read", "create", "update", "export"],
        purposes: ["sales-follow-up", "newsletter"],
        fields: ["name", "company", "email", "phone"],
        grantedBy: "admin-sato",
      },
    },
    {
      type: "permission.granted",
      actor: admin,
      ...when,
      payload: {
        grantId: "grant-manager-contacts",
        grantee: { role: "manager" },
        scope: { resourceType: "contact" },
        actions: ["read", "create", "update", "export"],
        purposes: ["sales-follow-up", "account-management", "newsletter"],
        grantedBy: "admin-sato",
      },
    },
    {
      type: "permission.granted",
      actor: admin,
      ...when,
      payload: {
        grantId: "grant-support-contacts",
        grantee: { role: "support" },
        scope: { resourceType: "contact" },
        actions: ["read"],
        purposes: ["account-management"],
        fields: ["name", "company", "email"],
        grantedBy: "admin-sato",
      },
    },
  ];
}
