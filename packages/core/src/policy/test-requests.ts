import fc from "fast-check";
import type { EventInput } from "../events/input";
import {
  ACTORS,
  FIELDS,
  GRANT_IDS,
  HOUR,
  iso,
  LEVELS,
  PURPOSES,
  ROLES,
  SUBJECTS,
  T0,
  TEAMS,
} from "../views/test-history";
import { compilePolicy } from "./config";
import type { DecisionRequest } from "./decide";

/**
 * Test support (not exported): issue 14's control events, decision requests and two
 * policies, over the actors, subjects and purposes of views/test-history.ts.
 */
const who = { id: "admin" };
const hour = fc.integer({ min: 0, max: 72 });
export const when = (h: number) => iso(T0 + h * HOUR);
const actor = fc.constantFrom(...ACTORS, "agent-1");
const device = fc.constantFrom("d-1", "d-2", "d-3");
const session = fc.constantFrom("s-1", "s-2", "s-3");
const contract = fc.constantFrom("ct-1", "ct-2");
const level = fc.constantFrom(...LEVELS);
export const ev = (type: string, payload: Record<string, unknown>, h: number): EventInput =>
  ({ type, actor: who, occurredAt: when(h), payload }) as EventInput;

/** Issue 14 events: outside staff under contracts, four-eyes approvals, devices, sessions, policies. */
export const issue14Event: fc.Arbitrary<EventInput> = fc.oneof(
  fc
    .record({ a: actor, org: fc.constantFrom("org-1", "org-2"), l: level, h: hour })
    .map(({ a, org, l, h }) =>
      ev(
        "actor.onboarded",
        { actorId: a, roles: [ROLES[0]], teams: [TEAMS[0]], clearance: l, organisation: org },
        h,
      ),
    ),
  fc
    .record({
      c: contract,
      org: fc.constantFrom("org-1", "org-2"),
      p: fc.subarray(PURPOSES, { minLength: 1 }),
      subs: fc.option(fc.subarray(SUBJECTS, { minLength: 1 }), { nil: undefined }),
      s: hour,
      len: fc.integer({ min: 1, max: 60 }),
      h: hour,
    })
    .map(({ c, org, p, subs, s, len, h }) =>
      ev(
        "contract.concluded",
        {
          contractId: c,
          organisation: org,
          scope: { purposes: p, ...(subs ? { subjects: subs } : {}) },
          startsAt: when(s),
          endsAt: when(s + len),
          concludedBy: "admin",
        },
        h,
      ),
    ),
  fc
    .record({ c: contract, h: hour })
    .map(({ c, h }) => ev("contract.terminated", { contractId: c, terminatedBy: "admin" }, h)),
  fc
    .record({
      g: fc.constantFrom(...GRANT_IDS),
      a: actor,
      c: fc.option(contract, { nil: undefined }),
      l: fc.option(level, { nil: undefined }),
      p: fc.subarray(PURPOSES, { minLength: 1 }),
      fields: fc.option(fc.subarray(FIELDS, { minLength: 1 }), { nil: undefined }),
      h: hour,
    })
    .map(({ g, a, c, l, p, fields, h }) =>
      ev(
        "permission.granted",
        {
          grantId: g,
          grantee: { actor: a },
          scope: { resourceType: "contact" },
          actions: ["read", "export", "share"],
          purposes: p,
          grantedBy: "admin",
          ...(c ? { contractId: c } : {}),
          ...(l ? { clearance: l } : {}),
          ...(fields ? { fields } : {}),
        },
        h,
      ),
    ),
  fc
    .record({ g: fc.constantFrom(...GRANT_IDS), by: fc.constantFrom(...ACTORS, "admin"), h: hour })
    .map(
      ({ g, by, h }): EventInput => ({
        type: "permission.approved",
        actor: { id: by },
        occurredAt: when(h),
        payload: { grantId: g, approvedBy: by },
      }),
    ),
  fc
    .record({
      d: device,
      o: actor,
      own: fc.constantFrom("company", "personal"),
      m: fc.boolean(),
      h: hour,
    })
    .map(({ d, o, own, m, h }) =>
      ev("device.registered", { deviceId: d, ownership: own, owner: o, managed: m }, h),
    ),
  fc
    .record({ d: device, h: hour })
    .map(({ d, h }) => ev("device.lost", { deviceId: d, reportedBy: "it" }, h)),
  fc
    .record({ l: level, m: fc.boolean(), h: hour })
    .map(({ l, m, h }) =>
      ev(
        "device.policy-set",
        { rules: [{ atLeast: l, ownership: ["company"], managedOnly: m }] },
        h,
      ),
    ),
  fc
    .record({ l: level, h: hour })
    .map(({ l, h }) =>
      ev("destination.policy-set", { rules: [{ kinds: ["download"], upTo: l }] }, h),
    ),
  fc
    .record({ max: fc.integer({ min: 1, max: 20 }), h: hour })
    .map(({ max, h }) =>
      ev("volume.limits-set", { limits: [{ metric: "records-read", window: "day", max }] }, h),
    ),
  fc
    .record({ a: actor, s: session, aal: fc.constantFrom("aal1", "aal2", "aal3"), h: hour })
    .map(({ a, s, aal, h }) =>
      ev("auth.login-succeeded", { actorId: a, sessionId: s, assurance: aal }, h),
    ),
  fc
    .record({ a: actor, s: session, h: hour })
    .map(({ a, s, h }) =>
      ev("auth.mfa-passed", { actorId: a, sessionId: s, assurance: "aal2" }, h),
    ),
  fc
    .record({ a: actor, s: session, h: hour })
    .map(({ a, s, h }) =>
      ev("auth.session-ended", { actorId: a, sessionId: s, reason: "logout" }, h),
    ),
  fc
    .record({ l: level, h: hour })
    .map(({ l, h }) => ev("auth.policy-set", { rules: [{ minimum: "aal2", atLeast: l }] }, h)),
);

export const request: fc.Arbitrary<DecisionRequest> = fc.record(
  {
    actor,
    action: fc.constantFrom("read", "export", "share", "update", "delete"),
    resource: fc.record({
      type: fc.constant("contact"),
      id: fc.constantFrom(...SUBJECTS, "s-none"),
    }),
    purpose: fc.constantFrom(...PURPOSES, "unknown"),
    fields: fc.subarray(FIELDS),
    subjects: fc.subarray(SUBJECTS),
    recipient: actor,
    recordCount: fc.integer({ min: 1, max: 12 }),
    destination: fc.record({ kind: fc.constantFrom("download", "usb"), id: fc.constant("x") }),
    context: fc.record(
      {
        device,
        session,
        assurance: fc.constantFrom("aal1", "aal2", "aal3"),
        at: fc.integer({ min: 0, max: 80 }).map(when),
      },
      { requiredKeys: ["at"] },
    ),
  },
  { requiredKeys: ["actor", "action", "resource", "purpose", "context"] },
) as fc.Arbitrary<DecisionRequest>;

export const policies = [
  compilePolicy({
    purposes: {
      marketing: { basis: "consent" },
      support: { basis: "legitimate-interests", perSubject: false },
    },
  }),
  compilePolicy({
    fourEyesFrom: "confidential",
    requireKnownResource: true,
    purposes: { marketing: { basis: "consent" }, support: { basis: "consent" } },
  }),
];

/**
 * The snapshot attacks' history: alice is onboarded and granted read on c-1 for support,
 * then offboarded (and bob onboarded). A snapshot from before the offboarding allows
 * `aliceRead`; the ledger after it does not.
 */
const admin = { id: "hr" };
export const aliceSupportPolicy = compilePolicy({
  purposes: { support: { basis: "legitimate-interests", perSubject: false } },
  requireKnownResource: false,
});
export const aliceRead: DecisionRequest = {
  actor: "alice",
  action: "read",
  resource: { type: "contact", id: "c-1" },
  purpose: "support",
  subjects: ["c-1"],
};
export const aliceOnboarded: EventInput = {
  type: "actor.onboarded",
  actor: admin,
  payload: { actorId: "alice", clearance: "internal" },
};
export const aliceGranted: EventInput = {
  type: "permission.granted",
  actor: admin,
  payload: {
    grantId: "g-1",
    grantee: { actor: "alice" },
    scope: { resourceType: "contact" },
    actions: ["read"],
    purposes: ["support"],
    grantedBy: "hr",
  },
};
export const aliceOffboarded: EventInput = {
  type: "actor.offboarded",
  actor: admin,
  payload: { actorId: "alice" },
};
export const bobOnboarded: EventInput = {
  type: "actor.onboarded",
  actor: admin,
  payload: { actorId: "bob" },
};
