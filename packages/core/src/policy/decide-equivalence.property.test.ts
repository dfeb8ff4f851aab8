import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { chainEvents, historyArb } from "../views/test-history";
import { Views } from "../views/view-set";
import { type DecisionRequest, decide } from "./decide";
import { decideReference } from "./decide-reference.fixture";
import { ev, issue14Event, policies, request, when } from "./test-requests";

/**
 * Equivalence of the optimised decide() with the code it replaced (decide-reference.fixture.ts,
 * main at 909fb09): over random histories with every control kind of issue 14 in play, both
 * return deep-equal Decisions (allowed, reasons in order, obligations, grants, subjects, at).
 */
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
