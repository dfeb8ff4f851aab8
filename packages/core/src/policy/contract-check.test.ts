import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodeEventInput, type EventInput } from "../events/input";
import { decodeSnapshot, encodeSnapshot } from "../views/snapshot";
import { chainEvents, HOUR, iso, T0, TEST_SNAPSHOT_KEY } from "../views/test-history";
import { Views } from "../views/view-set";
import { compilePolicy } from "./config";
import { type DecisionRequest, decide } from "./decide";

const at = (h: number) => iso(T0 + h * HOUR);
const admin = { id: "admin-sato" };
const policy = compilePolicy({
  purposes: {
    "sales-follow-up": { basis: "legitimate-interests", perSubject: false },
    marketing: { basis: "legitimate-interests", perSubject: false },
  },
});

/** Acme's and Globex's contacts, an agency (hoshi-sales) under contract for Acme's only. */
function agency(extra: EventInput[] = [], contractEnd = at(14 * 24)): EventInput[] {
  const contact = (client: string, id: string): EventInput => ({
    type: "record.created",
    actor: { id: client },
    subjects: [id],
    occurredAt: at(0),
    payload: { resource: { type: "contact", id }, fields: ["name", "phone"] },
  });
  return [
    contact("client-acme", "acme-1"),
    contact("client-acme", "acme-2"),
    contact("client-globex", "globex-1"),
    {
      type: "contract.concluded",
      actor: admin,
      occurredAt: at(0),
      payload: {
        contractId: "ct-acme",
        organisation: "hoshi-sales",
        scope: { purposes: ["sales-follow-up"], clients: ["client-acme"] },
        startsAt: at(1),
        endsAt: contractEnd,
        concludedBy: "admin-sato",
      },
    },
    ...["agent-kimura", "agent-abe"].map(
      (actorId): EventInput => ({
        type: "actor.onboarded",
        actor: admin,
        occurredAt: at(0),
        payload: { actorId, organisation: "hoshi-sales" },
      }),
    ),
    {
      type: "actor.onboarded",
      actor: admin,
      occurredAt: at(0),
      payload: { actorId: "agent-other", organisation: "other-agency" },
    },
    // Broad grants (any contact, both purposes): only the contract narrows them.
    ...["agent-kimura", "agent-abe", "agent-other"].map(
      (agent): EventInput => ({
        type: "permission.granted",
        actor: admin,
        occurredAt: at(0),
        payload: {
          grantId: `g-${agent}`,
          grantee: { actor: agent },
          scope: { resourceType: "contact" },
          actions: ["read", "export"],
          purposes: ["sales-follow-up", "marketing"],
          grantedBy: "admin-sato",
          contractId: "ct-acme",
        },
      }),
    ),
    ...extra,
  ];
}

const read = (actor: string, id: string, h: number, purpose = "sales-follow-up") =>
  ({
    actor,
    action: "read",
    resource: { type: "contact", id },
    purpose,
    context: { at: T0 + h * HOUR },
  }) satisfies DecisionRequest;

const views = (inputs: EventInput[]) => new Views().applyAll(chainEvents(inputs));
const reasons = (v: Views, r: DecisionRequest) => decide(v, policy, r).reasons;

const terminate = (h: number): EventInput => ({
  type: "contract.terminated",
  actor: admin,
  occurredAt: at(h),
  payload: { contractId: "ct-acme", terminatedBy: "admin-sato", reason: "Agency breach" },
});

describe("grants tied to an outsourcing contract (委託契約)", () => {
  it("allow only within the contract's term, client and purpose", () => {
    const v = views(agency());
    expect(reasons(v, read("agent-kimura", "acme-1", 2))).toEqual(["allowed"]);
    expect(reasons(v, read("agent-kimura", "acme-1", 0.5))).toEqual([
      "no-grant",
      "contract-not-started",
    ]);
    expect(reasons(v, read("agent-kimura", "acme-1", 14 * 24))).toEqual([
      "no-grant",
      "contract-ended",
    ]);
    // The grant names any contact; the contract covers Acme's only.
    expect(reasons(v, read("agent-kimura", "globex-1", 2))).toEqual([
      "no-grant",
      "contract-out-of-scope",
    ]);
    expect(reasons(v, read("agent-kimura", "acme-1", 2, "marketing"))).toEqual([
      "no-grant",
      "contract-out-of-scope",
    ]);
    // Someone from another organisation holding a grant tied to this contract.
    expect(reasons(v, read("agent-other", "acme-1", 2))).toEqual([
      "no-grant",
      "contract-out-of-scope",
    ]);
  });

  it("lapse all at once when the contract is terminated, and decide says why", () => {
    const v = views(agency([terminate(48)]));
    expect(reasons(v, read("agent-abe", "acme-1", 47))).toEqual(["allowed"]);
    for (const agent of ["agent-kimura", "agent-abe"]) {
      expect(reasons(v, read(agent, "acme-2", 48))).toEqual(["no-grant", "contract-terminated"]);
    }
  });

  it("stay terminated when a backdated version is recorded after the termination", () => {
    const backdated: EventInput = {
      type: "contract.concluded",
      actor: admin,
      occurredAt: at(24),
      payload: {
        contractId: "ct-acme",
        organisation: "hoshi-sales",
        scope: { purposes: ["sales-follow-up"], clients: ["client-acme"] },
        startsAt: at(1),
        endsAt: at(90 * 24),
        concludedBy: "admin-sato",
      },
    };
    const v = views(agency([terminate(48), backdated]));
    expect(reasons(v, read("agent-abe", "acme-1", 50))).toEqual([
      "no-grant",
      "contract-terminated",
    ]);
    // A renewal concluded after the termination is a new contract version, in force.
    const renewal = { ...backdated, occurredAt: at(72) };
    const r = views(agency([terminate(48), renewal]));
    expect(reasons(r, read("agent-abe", "acme-1", 73))).toEqual(["allowed"]);
  });

  it("refuse a grant naming a contract never concluded", () => {
    const v = views(
      agency([
        {
          type: "permission.granted",
          actor: admin,
          occurredAt: at(0),
          payload: {
            grantId: "g-agent-abe",
            grantee: { actor: "agent-abe" },
            scope: { resourceType: "contact" },
            actions: ["read"],
            purposes: ["sales-follow-up"],
            grantedBy: "admin-sato",
            contractId: "ct-typo",
          },
        },
      ]),
    );
    expect(reasons(v, read("agent-abe", "acme-1", 2))).toEqual(["no-grant", "contract-unknown"]);
  });

  it("survive a snapshot round trip", () => {
    const v = views(agency([terminate(48)]));
    const restored = decodeSnapshot(
      encodeSnapshot(v, "views.test/ledger", undefined, TEST_SNAPSHOT_KEY),
      "views.test/ledger",
      { key: TEST_SNAPSHOT_KEY },
    );
    if (E.isLeft(restored)) throw restored.left;
    const w = restored.right.views;
    expect(reasons(w, read("agent-abe", "acme-1", 47))).toEqual(["allowed"]);
    expect(reasons(w, read("agent-abe", "acme-1", 49))).toEqual([
      "no-grant",
      "contract-terminated",
    ]);
  });

  it("refuse a contract without an end, without purposes, or with an unknown member", () => {
    const base = agency()[3] as EventInput<"contract.concluded">;
    const { endsAt: _end, ...noEnd } = base.payload;
    for (const payload of [
      noEnd,
      { ...base.payload, scope: { purposes: [] } },
      { ...base.payload, scope: { purposes: ["sales-follow-up"], clent: ["client-acme"] } },
    ]) {
      expect(E.isLeft(decodeEventInput({ ...base, payload }))).toBe(true);
    }
  });
});

describe("contracts, properties", () => {
  it("a grant tied to a contract never allows outside the term or after a termination", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 2, max: 30 * 24 }),
        fc.option(fc.integer({ min: 0, max: 30 * 24 }), { nil: undefined }),
        fc.integer({ min: 0, max: 31 * 24 }),
        fc.boolean(),
        (endH, terminateH, askH, terminationRecordedFirst) => {
          const extra = terminateH === undefined ? [] : [terminate(terminateH)];
          const inputs = agency(extra, at(endH));
          // Record order must not matter: move the termination before everything else.
          if (terminationRecordedFirst && terminateH !== undefined)
            inputs.unshift(inputs.pop() as EventInput);
          const d = decide(views(inputs), policy, read("agent-kimura", "acme-1", askH));
          const inTerm =
            askH >= 1 && askH < endH && (terminateH === undefined || askH < terminateH);
          expect(d.allowed).toBe(inTerm);
          if (!inTerm) expect(d.reasons[0]).toBe("no-grant");
        },
      ),
      { numRuns: 200 },
    );
  });
});
