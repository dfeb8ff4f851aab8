import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { Projector } from "../views/projector";
import {
  ACTORS,
  chainEvents,
  HOUR,
  historyArb,
  iso,
  PURPOSES,
  SUBJECTS,
  T0,
} from "../views/test-history";
import { Views } from "../views/view-set";
import { compilePolicy } from "./config";
import { type DecisionRequest, decide } from "./decide";
import { decideAndRecord } from "./record";

const admin = { id: "admin" };
const evidence = { channel: "web", wordingVersion: "v3", capturedBy: "form-7" };
const policy = compilePolicy({
  purposes: {
    "sales-follow-up": { basis: "consent" },
    "contract-admin": { basis: "contract", perSubject: false },
    marketing: { basis: "consent" },
    support: { basis: "legitimate-interests", perSubject: false },
    storage: { basis: "legal-obligation", perSubject: false },
  },
});

/** A small CRM: two staff, one contact with consent, one HR record classified confidential. */
function crm(extra: EventInput[] = []): Views {
  const t = (h: number) => iso(T0 + h * HOUR);
  return new Views().applyAll(
    chainEvents([
      {
        type: "actor.onboarded",
        actor: admin,
        occurredAt: t(0),
        payload: { actorId: "alice", roles: ["sales"], teams: ["t-hr"], clearance: "confidential" },
      },
      {
        type: "actor.onboarded",
        actor: admin,
        occurredAt: t(0),
        payload: {
          actorId: "bob",
          roles: ["sales"],
          teams: ["t-sales"],
          clearance: "confidential",
        },
      },
      {
        type: "permission.granted",
        actor: admin,
        occurredAt: t(0),
        payload: {
          grantId: "g-sales",
          grantee: { role: "sales" },
          scope: { resourceType: "contact" },
          actions: ["read", "export", "share"],
          purposes: ["sales-follow-up", "contract-admin"],
          grantedBy: "admin",
        },
      },
      {
        type: "record.created",
        actor: { id: "alice" },
        subjects: ["c-1"],
        occurredAt: t(0),
        payload: { resource: { type: "contact", id: "c-1" }, fields: ["name", "email", "salary"] },
      },
      {
        type: "consent.granted",
        actor: admin,
        subjects: ["c-1"],
        occurredAt: t(0),
        payload: { purpose: "sales-follow-up", lawfulBasis: "consent", evidence },
      },
      {
        type: "classification.changed",
        actor: { id: "dpo" },
        occurredAt: t(0),
        payload: {
          resource: { type: "contact", id: "c-1" },
          field: "salary",
          level: "confidential",
          scope: { teams: ["t-hr"] },
        },
      },
      ...extra,
    ]),
  );
}
const read = (over: Partial<DecisionRequest> = {}): DecisionRequest => ({
  actor: "bob",
  action: "read",
  resource: { type: "contact", id: "c-1" },
  fields: ["name", "email"],
  purpose: "sales-follow-up",
  context: { at: T0 + 2 * HOUR },
  ...over,
});

describe("decide", () => {
  it("allows a covered read with the matching grant and no obligations", () => {
    const d = decide(crm(), policy, read());
    expect(d).toMatchObject({
      allowed: true,
      outcome: "allowed",
      reasons: ["allowed"],
      grants: ["g-sales"],
      subjects: ["c-1"],
    });
    expect(d.obligations.maskFields).toEqual([]);
  });

  it("enforces 'confidential, don't share even inside the company': masks for outsiders, denies sharing", () => {
    const views = crm();
    // bob has clearance and a grant but is not in the HR team the scope names.
    const bob = decide(views, policy, read({ fields: ["name", "salary"] }));
    expect(bob.allowed).toBe(true);
    expect(bob.obligations.maskFields).toEqual(["salary"]);
    // alice is in scope and sees it.
    expect(
      decide(views, policy, read({ actor: "alice", fields: ["name", "salary"] })).obligations
        .maskFields,
    ).toEqual([]);
    // Asking only for the scoped field leaves nothing to show: denied.
    expect(decide(views, policy, read({ fields: ["salary"] })).reasons).toEqual([
      "no-fields-permitted",
    ]);
    // Sharing it, even by alice and even to a colleague outside the scope, is refused.
    const share = decide(
      views,
      policy,
      read({ actor: "alice", action: "share", fields: ["salary"], recipient: "bob" }),
    );
    expect(share).toMatchObject({ allowed: false, reasons: ["recipient-out-of-scope"] });
    // Once the scope's `until` passes, ordinary clearance applies again.
    // Lifting the scope at a time widens it: it needs the customer's instruction (マル秘).
    const lapsed = crm([
      {
        type: "confidentiality.instructed",
        actor: { id: "dpo" },
        subjects: ["c-1"],
        occurredAt: iso(T0 + HOUR),
        payload: {
          instructionId: "ins-1",
          resource: { type: "contact", id: "c-1" },
          field: "salary",
          mayKnow: { actors: ["dpo"], teams: ["t-hr"] },
          until: iso(T0 + 5 * HOUR),
          channel: "letter",
          capturedBy: "dpo",
        },
      },
      {
        type: "classification.changed",
        actor: { id: "dpo" },
        occurredAt: iso(T0 + HOUR),
        payload: {
          resource: { type: "contact", id: "c-1" },
          field: "salary",
          level: "confidential",
          scope: { teams: ["t-hr"], until: iso(T0 + 5 * HOUR) },
        },
      },
    ]);
    expect(decide(lapsed, policy, read({ fields: ["salary"] })).allowed).toBe(false);
    expect(
      decide(lapsed, policy, read({ fields: ["salary"], context: { at: T0 + 6 * HOUR } })).allowed,
    ).toBe(true);
  });

  it("denies a whole resource whose own scope excludes the actor, and items above clearance", () => {
    const views = crm([
      {
        type: "classification.changed",
        actor: { id: "dpo" },
        occurredAt: iso(T0 + HOUR),
        payload: {
          resource: { type: "contact", id: "c-1" },
          level: "confidential",
          scope: { actors: ["alice"] },
        },
      },
    ]);
    expect(decide(views, policy, read()).reasons).toEqual(["disclosure-scope"]);
    expect(decide(views, policy, read({ actor: "alice" })).allowed).toBe(true);
    const secret = crm([
      {
        type: "classification.changed",
        actor: { id: "dpo" },
        occurredAt: iso(T0 + HOUR),
        payload: { resource: { type: "contact", id: "c-1" }, level: "strictly-confidential" },
      },
    ]);
    expect(decide(secret, policy, read({ actor: "alice" })).reasons).toEqual(["above-clearance"]);
  });

  it("gives explicit reasons for unknown actors, purposes, actions and resources — and never throws", () => {
    const views = crm();
    expect(decide(views, policy, read({ actor: "mallory" })).reasons).toEqual(["actor-unknown"]);
    expect(decide(views, policy, read({ purpose: "profiling" })).reasons).toEqual([
      "purpose-unknown",
    ]);
    // An action from untyped JavaScript (the type refuses it) is denied, not trusted.
    const teleport = read({ action: "teleport" as DecisionRequest["action"] });
    expect(decide(views, policy, teleport).reasons).toEqual(["action-unknown"]);
    expect(
      decide(views, policy, read({ resource: { type: "contact", id: "c-404" } })).reasons,
    ).toEqual(["resource-unknown"]);
    fc.assert(
      fc.property(fc.anything(), (junk) => {
        const d = decide(views, policy, junk as DecisionRequest);
        expect(d.allowed).toBe(false);
        expect(d.reasons.length).toBeGreaterThan(0);
      }),
      { numRuns: 500 },
    );
    fc.assert(
      fc.property(
        fc.record({
          actor: fc.string(),
          action: fc.string(),
          purpose: fc.string(),
          resource: fc.record({ type: fc.string(), id: fc.string() }),
          fields: fc.array(fc.string()),
        }),
        (r) => {
          expect(decide(views, policy, r as DecisionRequest).allowed).toBe(false);
        },
      ),
    );
  });

  it("explains a missing grant: revoked, expired, or lost with offboarding", () => {
    const views = crm([
      {
        type: "permission.granted",
        actor: admin,
        occurredAt: iso(T0),
        payload: {
          grantId: "g-bob",
          grantee: { actor: "bob" },
          scope: { resourceType: "contact" },
          actions: ["update"],
          purposes: ["sales-follow-up"],
          grantedBy: "admin",
          expiresAt: iso(T0 + HOUR),
        },
      },
      {
        type: "permission.granted",
        actor: admin,
        occurredAt: iso(T0),
        payload: {
          grantId: "g-bob-del",
          grantee: { actor: "bob" },
          scope: { resourceType: "contact" },
          actions: ["delete"],
          purposes: ["sales-follow-up"],
          grantedBy: "admin",
        },
      },
      {
        type: "permission.revoked",
        actor: admin,
        occurredAt: iso(T0 + HOUR),
        payload: { grantId: "g-bob-del", revokedBy: "admin" },
      },
    ]);
    expect(decide(views, policy, read({ action: "update" })).reasons).toEqual([
      "no-grant",
      "grant-expired",
    ]);
    expect(decide(views, policy, read({ action: "delete", fields: [] })).reasons).toEqual([
      "no-grant",
      "grant-revoked",
    ]);
    expect(
      decide(
        views,
        policy,
        read({ action: "delete", fields: [], context: { at: T0 + 30 * 60_000 } }),
      ).allowed,
    ).toBe(true);
  });

  it("locks a subject for a purpose without basis, after withdrawal, under restriction and after erasure", () => {
    const t = (h: number) => iso(T0 + h * HOUR);
    const views = crm([
      {
        type: "consent.withdrawn",
        actor: admin,
        subjects: ["c-1"],
        occurredAt: t(3),
        payload: { purpose: "sales-follow-up", evidence },
      },
      {
        type: "processing.restricted",
        actor: admin,
        subjects: ["c-1"],
        occurredAt: t(4),
        payload: { restrictionId: "r-1", ground: "objection-pending" },
      },
      {
        type: "erasure.completed",
        actor: admin,
        subjects: ["c-1"],
        occurredAt: t(5),
        payload: { requestId: "er-1", keyIds: ["k-1"], eventsAffected: 3 },
      },
    ]);
    expect(decide(views, policy, read({ context: { at: T0 + 2.5 * HOUR } })).allowed).toBe(true);
    expect(decide(views, policy, read({ context: { at: T0 + 3.5 * HOUR } })).reasons).toEqual([
      "consent-withdrawn",
    ]);
    // A blanket (non per-subject) basis needs no record, but a restriction still locks it…
    expect(
      decide(views, policy, read({ purpose: "contract-admin", context: { at: T0 + 3.5 * HOUR } }))
        .allowed,
    ).toBe(true);
    expect(
      decide(views, policy, read({ purpose: "contract-admin", context: { at: T0 + 4.5 * HOUR } }))
        .reasons,
    ).toEqual(["processing-restricted"]);
    expect(
      decide(views, policy, read({ purpose: "contract-admin", context: { at: T0 + 6 * HOUR } }))
        .reasons,
    ).toEqual(["subject-erased", "processing-restricted"]);
    // …and never asked is "consent-missing" for per-subject purposes.
    const fresh = crm([
      {
        type: "permission.granted",
        actor: admin,
        occurredAt: t(0),
        payload: {
          grantId: "g-mkt",
          grantee: { actor: "bob" },
          scope: { resourceType: "contact" },
          actions: ["read"],
          purposes: ["marketing"],
          grantedBy: "admin",
        },
      },
    ]);
    expect(decide(fresh, policy, read({ purpose: "marketing" })).reasons).toEqual([
      "consent-missing",
    ]);
  });

  it("applies the host's IP allow-list and working hours", () => {
    const strict = compilePolicy({
      purposes: { "sales-follow-up": { basis: "consent" } },
      ipAllowList: ["10.0.0.0/8", "2001:db8::/32"],
      workingHours: { timeZone: "Asia/Tokyo", days: [1, 2, 3, 4, 5], start: "09:00", end: "18:00" },
    });
    const views = crm();
    // 2026-04-01 is a Wednesday; 02:00Z is 11:00 in Tokyo.
    const at = Date.parse("2026-04-01T02:00:00Z");
    expect(decide(views, strict, read({ context: { at, ip: "10.1.2.3" } })).allowed).toBe(true);
    expect(decide(views, strict, read({ context: { at, ip: "2001:db8::1" } })).allowed).toBe(true);
    expect(decide(views, strict, read({ context: { at, ip: "192.168.1.1" } })).reasons).toEqual([
      "ip-not-allowed",
    ]);
    expect(decide(views, strict, read({ context: { at } })).reasons).toEqual(["ip-not-allowed"]);
    const night = Date.parse("2026-04-01T12:00:00Z"); // 21:00 in Tokyo
    expect(decide(views, strict, read({ context: { at: night, ip: "10.1.2.3" } })).reasons).toEqual(
      ["outside-working-hours"],
    );
  });
});

describe("decide, properties over random histories", () => {
  it("an offboarded actor is always denied, and withdrawn consent always locks", () => {
    const loose = compilePolicy({
      purposes: {
        marketing: { basis: "consent" },
        support: { basis: "legitimate-interests", perSubject: false },
      },
      requireKnownResource: false,
    });
    fc.assert(
      fc.property(
        historyArb,
        fc.constantFrom(...ACTORS),
        fc.constantFrom(...SUBJECTS),
        fc.constantFrom(...PURPOSES),
        fc.constantFrom("read", "update", "export", "share"),
        fc.integer({ min: 0, max: 150 }),
        (inputs, actor, subject, purpose, action, half) => {
          const views = new Views().applyAll(chainEvents(inputs));
          const at = T0 + half * (HOUR / 2);
          const d = decide(views, loose, {
            actor,
            action,
            purpose,
            resource: { type: "contact", id: subject },
            subjects: [subject],
            fields: ["email"],
            context: { at },
          });
          if (views.actors.statusAt(actor, at).status === "offboarded") {
            expect(d.allowed).toBe(false);
            expect(d.reasons).toContain("actor-offboarded");
          }
          if (views.consent.statusAt(subject, purpose, at) === "withdrawn") {
            expect(d.allowed).toBe(false);
            expect(d.reasons).toContain("consent-withdrawn");
          }
          if (d.allowed) {
            expect(d.grants.length).toBeGreaterThan(0);
            expect(views.actors.statusAt(actor, at).status).toBe("active");
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("decideAndRecord", () => {
  it("records allowed and denied attempts as data.accessed with reasons and masked fields", async () => {
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "policy.test/ledger" });
    const projector = await Projector.start({ ledger });
    await ledger.appendBatch([
      {
        type: "actor.onboarded",
        actor: admin,
        payload: { actorId: "bob", roles: ["sales"], clearance: "internal" },
      },
      {
        type: "permission.granted",
        actor: admin,
        payload: {
          grantId: "g-1",
          grantee: { role: "sales" },
          scope: { resourceType: "contact" },
          actions: ["read"],
          purposes: ["support"],
          grantedBy: "admin",
        },
      },
      {
        type: "record.created",
        actor: admin,
        subjects: ["c-1"],
        payload: { resource: { type: "contact", id: "c-1" }, fields: ["name", "salary"] },
      },
      {
        type: "classification.changed",
        actor: admin,
        payload: {
          resource: { type: "contact", id: "c-1" },
          field: "salary",
          level: "confidential",
        },
      },
    ]);
    const ok = await decideAndRecord(ledger, projector.views, policy, {
      actor: "bob",
      action: "read",
      resource: { type: "contact", id: "c-1" },
      fields: ["name", "salary"],
      purpose: "support",
      context: { ip: "10.0.0.9", device: "laptop-1" },
    });
    expect(ok.decision.allowed).toBe(true);
    expect(ok.event.type).toBe("data.accessed");
    expect(ok.event.payload).toMatchObject({
      outcome: "allowed",
      maskedFields: ["salary"],
      action: "read",
      decisionId: ok.decision.decisionId,
    });
    expect(ok.event.actor).toEqual({ id: "bob", context: { ip: "10.0.0.9", device: "laptop-1" } });
    const no = await decideAndRecord(ledger, projector.views, policy, {
      actor: "eve",
      action: "read",
      resource: { type: "contact", id: "c-1" },
      fields: ["name"],
      purpose: "support",
    });
    expect(no.event.payload).toMatchObject({
      outcome: "denied",
      reason: "actor-unknown",
      reasons: ["actor-unknown"],
    });
    const junk = await decideAndRecord(ledger, projector.views, policy, {
      actor: "not an id!",
      action: "read",
      resource: { type: "Contact Type", id: "x y" },
      fields: ["ok", "not ok!"],
      purpose: "Bad Purpose",
    });
    expect(junk.event.payload).toMatchObject({
      outcome: "denied",
      resource: { type: "invalid", id: "invalid" },
      fields: ["ok"],
      purpose: "invalid",
    });
    expect(junk.event.actor.id).toBe("invalid");
    expect((await ledger.verify()).ok).toBe(true);
    projector.stop();
  });
});
