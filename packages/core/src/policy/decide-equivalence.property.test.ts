import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import {
  ACTORS,
  chainEvents,
  FIELDS,
  GRANT_IDS,
  HOUR,
  historyArb,
  iso,
  LEVELS,
  PURPOSES,
  ROLES,
  SUBJECTS,
  T0,
  TEAMS,
} from "../views/test-history";
import { Views } from "../views/view-set";
import { compilePolicy } from "./config";
import { type DecisionRequest, decide } from "./decide";
import { decideReference } from "./decide-reference.fixture";

/**
 * Equivalence of the optimised decide() with the code it replaced (decide-reference.fixture.ts,
 * main at 909fb09): over random histories with every control kind of issue 14 in play, both
 * return deep-equal Decisions (allowed, reasons in order, obligations, grants, subjects, at).
 */
const who = { id: "admin" };
const hour = fc.integer({ min: 0, max: 72 });
const when = (h: number) => iso(T0 + h * HOUR);
const actor = fc.constantFrom(...ACTORS, "agent-1");
const device = fc.constantFrom("d-1", "d-2", "d-3");
const session = fc.constantFrom("s-1", "s-2", "s-3");
const contract = fc.constantFrom("ct-1", "ct-2");
const level = fc.constantFrom(...LEVELS);
const ev = (type: string, payload: Record<string, unknown>, h: number): EventInput =>
  ({ type, actor: who, occurredAt: when(h), payload }) as EventInput;

/** Issue 14 events: outside staff under contracts, four-eyes approvals, devices, sessions, policies. */
const issue14Event: fc.Arbitrary<EventInput> = fc.oneof(
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

const request: fc.Arbitrary<DecisionRequest> = fc.record(
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

const policies = [
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

describe("optimised decide() equals the previous implementation", () => {
  it("returns deep-equal Decisions over histories with every control kind, interleaving queries and events", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.array(issue14Event, { maxLength: 40 }),
        fc.array(request, { minLength: 1, maxLength: 12 }),
        fc.nat(),
        (history, controls, requests, seed) => {
          const events = chainEvents([...history, ...controls]);
          // Fold part of the history, decide (filling any per-key caches), then fold the rest:
          // a cache the later events should invalidate would show up as a different Decision.
          const cut = seed % (events.length + 1);
          const views = new Views().applyAll(events.slice(0, cut));
          for (const r of requests) {
            decide(views, policies[1] as never, r);
            decide(views, policies[1] as never, { ...r, context: { ...r.context, at: when(99) } });
          }
          views.applyAll(events.slice(cut));
          for (const p of policies) {
            for (const r of requests) {
              expect(decide(views, p, r)).toEqual(decideReference(views, p, r));
              const fresh = new Views().applyAll(events);
              expect(decide(views, p, r)).toEqual(decideReference(fresh, p, r));
              const late = { ...r, context: { ...r.context, at: when(99) } };
              expect(decide(views, p, late)).toEqual(decideReference(fresh, p, late));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("remembered scopes and approval times (views.derived) never outlive an event: decides after every event", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.array(issue14Event, { maxLength: 30 }),
        fc.array(request, { minLength: 1, maxLength: 6 }),
        (history, controls, requests) => {
          // The reference reads the views afresh on every call, so after each folded event the
          // memoising decide() must agree with it, whatever it remembered one event earlier.
          const p = policies[1] as (typeof policies)[1];
          const views = new Views();
          for (const e of chainEvents([...history, ...controls])) {
            views.apply(e);
            for (const r of requests)
              expect(decide(views, p, r)).toEqual(decideReference(views, p, r));
          }
        },
      ),
      { numRuns: 60 },
    );
  });

  it("an approval time remembered before the approver's backdated offboarding is forgotten", () => {
    const events = chainEvents([
      ev("actor.onboarded", { actorId: "a1", roles: [], clearance: "confidential" }, 0),
      ev("actor.onboarded", { actorId: "ciso", roles: [] }, 0),
      ev(
        "permission.granted",
        {
          grantId: "g-1",
          grantee: { actor: "a1" },
          scope: { resourceType: "contact" },
          actions: ["read"],
          purposes: ["support"],
          grantedBy: "admin",
        },
        1,
      ),
      {
        ...ev("permission.approved", { grantId: "g-1", approvedBy: "ciso" }, 3),
        actor: { id: "ciso" },
      },
      ev("actor.offboarded", { actorId: "ciso" }, 2),
    ]);
    const views = new Views().applyAll(events.slice(0, 4));
    const p = policies[1] as (typeof policies)[1];
    const r: DecisionRequest = {
      actor: "a1",
      action: "read",
      resource: { type: "contact", id: "s9" },
      purpose: "support",
      subjects: ["s9"],
      context: { at: when(10) },
    };
    expect(decide(views, p, r).reasons).not.toContain("grant-pending-approval");
    views.applyAll(events.slice(4));
    expect(decide(views, p, r).reasons).toContain("grant-pending-approval");
    expect(decide(views, p, r)).toEqual(decideReference(views, p, r));
  });

  it("a scope remembered as set aside is forgotten when a backdated instruction covers the widening", () => {
    const cls = (scope: Record<string, unknown>, h: number) =>
      ev(
        "classification.changed",
        { resource: { type: "contact", id: "s1" }, level: "internal", scope },
        h,
      );
    const events = chainEvents([
      ev("actor.onboarded", { actorId: "a1", roles: [] }, 0),
      ev("actor.onboarded", { actorId: "a2", roles: [] }, 0),
      ev(
        "permission.granted",
        {
          grantId: "g-2",
          grantee: { actor: "a2" },
          scope: { resourceType: "contact" },
          actions: ["read"],
          purposes: ["support"],
          grantedBy: "admin",
        },
        0,
      ),
      { ...cls({ actors: ["a1"] }, 1), actor: { id: "a1" } },
      { ...cls({ actors: ["a1", "a2"] }, 5), actor: { id: "a1" } },
      {
        ...ev(
          "confidentiality.instructed",
          {
            instructionId: "i-1",
            resource: { type: "contact", id: "s1" },
            mayKnow: { actors: ["a1", "a2"] },
            channel: "phone-call",
            capturedBy: "a1",
          },
          3,
        ),
        actor: { id: "a1" },
        subjects: ["s1"],
      },
    ] as EventInput[]);
    const views = new Views().applyAll(events.slice(0, 5));
    const r: DecisionRequest = {
      actor: "a2",
      action: "read",
      resource: { type: "contact", id: "s1" },
      purpose: "support",
      subjects: ["s1"],
      context: { at: when(10) },
    };
    const p = policies[0] as (typeof policies)[0];
    expect(decide(views, p, r).reasons).toEqual(["disclosure-scope", "scope-not-instructed"]);
    views.applyAll(events.slice(5));
    expect(decide(views, p, r).reasons).not.toContain("disclosure-scope");
    expect(decide(views, p, r)).toEqual(decideReference(views, p, r));
  });

  it("a session's cached final state is dropped when a later event arrives (an end after a cached login)", () => {
    const login = ev(
      "auth.login-succeeded",
      { actorId: "a1", sessionId: "s-1", assurance: "aal2" },
      1,
    );
    const end = ev("auth.session-ended", { actorId: "a1", sessionId: "s-1", reason: "logout" }, 5);
    const events = chainEvents([
      ev("actor.onboarded", { actorId: "a1", roles: [] }, 0),
      login,
      end,
    ]);
    const views = new Views().applyAll(events.slice(0, 2));
    const r: DecisionRequest = {
      actor: "a1",
      action: "read",
      resource: { type: "contact", id: "s1" },
      purpose: "support",
      context: { session: "s-1", at: when(10) },
    };
    const p = policies[0] as (typeof policies)[0];
    expect(decide(views, p, r).reasons).not.toContain("session-ended");
    views.applyAll(events.slice(2));
    expect(decide(views, p, r).reasons).toContain("session-ended");
  });
});
