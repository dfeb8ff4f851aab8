/**
 * Test support for the preventive-control tests (not exported): a small CRM where two
 * sales staff may read, export and share contacts, one contact is confidential and one
 * strictly confidential, and helpers to add control events at chosen hours.
 */
import type { EventInput } from "../events/input";
import { chainEvents, HOUR, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { compilePolicy } from "./config";
import type { DecisionRequest } from "./decide";

export const admin = { id: "admin" };
export const at = (h: number) => iso(T0 + h * HOUR);
export const policy = compilePolicy({
  purposes: { support: { basis: "legitimate-interests", perSubject: false } },
});

export function base(): EventInput[] {
  const contact = (id: string, subject: string): EventInput => ({
    type: "record.created",
    actor: admin,
    occurredAt: at(0),
    subjects: [subject],
    payload: { resource: { type: "contact", id }, fields: ["name", "phone"] },
  });
  const level = (id: string, l: "confidential" | "strictly-confidential"): EventInput => ({
    type: "classification.changed",
    actor: admin,
    occurredAt: at(0),
    payload: { resource: { type: "contact", id }, level: l },
  });
  return [
    ...["alice", "bob"].map(
      (a): EventInput => ({
        type: "actor.onboarded",
        actor: admin,
        occurredAt: at(0),
        payload: {
          actorId: a,
          roles: ["sales"],
          teams: [a === "alice" ? "t-east" : "t-west"],
          clearance: "strictly-confidential",
        },
      }),
    ),
    {
      type: "permission.granted",
      actor: admin,
      occurredAt: at(0),
      payload: {
        grantId: "g-sales",
        grantee: { role: "sales" },
        scope: { resourceType: "contact" },
        actions: ["read", "export", "share"],
        purposes: ["support"],
        grantedBy: "admin",
      },
    },
    contact("c-1", "s-1"),
    contact("c-conf", "s-2"),
    contact("c-secret", "s-3"),
    level("c-conf", "confidential"),
    level("c-secret", "strictly-confidential"),
  ];
}

/** Views over the base CRM plus `extra` events. */
export function viewsWith(extra: EventInput[] = []): Views {
  return new Views().applyAll(chainEvents([...base(), ...extra]));
}

/** A read of `c-1` by alice at hour 2, with `over` merged in. */
export function request(over: Partial<DecisionRequest> = {}): DecisionRequest {
  return {
    actor: "alice",
    action: "read",
    resource: { type: "contact", id: "c-1" },
    purpose: "support",
    ...over,
    context: { at: at(2), ...over.context },
  };
}

/** A control or registry event by the admin at hour `h`. */
export function ev(type: string, payload: Record<string, unknown>, h = 1): EventInput {
  return { type, actor: admin, occurredAt: at(h), payload } as EventInput;
}
