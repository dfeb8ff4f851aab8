import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { chainEvents, HOUR, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { compilePolicy } from "./config";
import { type DecisionRequest, decide } from "./decide";

const at = (h: number) => iso(T0 + h * HOUR);
const policy = compilePolicy({
  purposes: { "sales-follow-up": { basis: "legitimate-interests", perSubject: false } },
});
const STAFF = ["tanaka", "suzuki", "yamada", "admin-sato", "admin-kato"];
const base: EventInput[] = [
  ...STAFF.map(
    (actorId): EventInput => ({
      type: "actor.onboarded",
      actor: { id: "hr" },
      occurredAt: at(0),
      payload: { actorId, roles: ["sales"], clearance: "strictly-confidential" },
    }),
  ),
  {
    type: "permission.granted",
    actor: { id: "admin-sato" },
    occurredAt: at(0),
    payload: {
      grantId: "g-sales",
      grantee: { role: "sales" },
      scope: { resourceType: "contact" },
      actions: ["read", "share"],
      purposes: ["sales-follow-up"],
      grantedBy: "admin-sato",
    },
  },
  {
    type: "record.created",
    actor: { id: "crm" },
    subjects: ["c-1"],
    occurredAt: at(0),
    payload: { resource: { type: "contact", id: "c-1" }, fields: ["name", "memo"] },
  },
];
/** A マル秘 scope on c-1 (or its field) set by `by` at hour `h`. */
const scope = (
  h: number,
  by: string,
  actors: string[] | undefined,
  field?: string,
  until?: number,
): EventInput => ({
  type: "classification.changed",
  actor: { id: by },
  occurredAt: at(h),
  payload: {
    resource: { type: "contact", id: "c-1" },
    level: "confidential",
    ...(field !== undefined ? { field } : {}),
    ...(actors !== undefined
      ? { scope: { actors, ...(until !== undefined ? { until: at(until) } : {}) } }
      : {}),
  },
});
/** The customer's instruction, captured by a salesperson at hour `h`. */
const instruct = (h: number, actors: string[], until?: number, field?: string): EventInput => ({
  type: "confidentiality.instructed",
  actor: { id: "tanaka" },
  subjects: ["c-1"],
  occurredAt: at(h),
  payload: {
    instructionId: `ins-${h}`,
    resource: { type: "contact", id: "c-1" },
    mayKnow: { actors },
    channel: "phone",
    capturedBy: "tanaka",
    ...(until !== undefined ? { until: at(until) } : {}),
    ...(field !== undefined ? { field } : {}),
  },
});
const req = (actor: string, h: number, extra: Partial<DecisionRequest> = {}): DecisionRequest => ({
  actor,
  action: "read",
  resource: { type: "contact", id: "c-1" },
  purpose: "sales-follow-up",
  context: { at: T0 + h * HOUR },
  ...extra,
});
const run = (extra: EventInput[], r: DecisionRequest) =>
  decide(new Views().applyAll(chainEvents([...base, ...extra])), policy, r);
const reasons = (extra: EventInput[], r: DecisionRequest) => run(extra, r).reasons;

describe("マル秘: widening a disclosure scope needs the customer's instruction", () => {
  const first = scope(0, "admin-sato", ["tanaka"]);
  const widened = scope(2, "admin-sato", ["tanaka", "suzuki"]);

  it("ignores a widening nobody was instructed to make, and says why", () => {
    expect(reasons([first, widened], req("suzuki", 3))).toEqual([
      "disclosure-scope",
      "scope-not-instructed",
    ]);
    expect(reasons([first, widened], req("tanaka", 3))).toEqual(["allowed"]);
  });

  it("lets the widening take effect when the instruction came first and covers it", () => {
    const ok = instruct(1, ["tanaka", "suzuki", "admin-sato"]);
    expect(reasons([first, ok, widened], req("suzuki", 3))).toEqual(["allowed"]);
    // Recorded after the change: the instruction must come before the widening.
    expect(
      reasons(
        [first, widened, instruct(2.5, ["tanaka", "suzuki", "admin-sato"])],
        req("suzuki", 3),
      ),
    ).toEqual(["disclosure-scope", "scope-not-instructed"]);
    // An instruction naming fewer people does not cover it (Kato, who set it, is not named).
    const byKato = scope(2, "admin-kato", ["tanaka", "suzuki"]);
    expect(reasons([first, ok, byKato], req("suzuki", 3))).toEqual([
      "disclosure-scope",
      "scope-not-instructed",
    ]);
  });

  it("refuses removing or shortening the scope without the customer's say, allows narrowing", () => {
    expect(reasons([first, scope(2, "admin-sato", undefined)], req("yamada", 3))).toEqual([
      "disclosure-scope",
      "scope-not-instructed",
    ]);
    const shortened = scope(2, "admin-sato", ["tanaka"], undefined, 4);
    const longFirst = scope(0, "admin-sato", ["tanaka"], undefined, 100);
    expect(reasons([longFirst, shortened], req("yamada", 5))).toEqual([
      "disclosure-scope",
      "scope-not-instructed",
    ]);
    // Once the customer's own "until" has passed, lifting the scope is covered.
    const lapsed = instruct(1, ["tanaka"], 1.5);
    expect(reasons([first, lapsed, scope(2, "admin-sato", undefined)], req("yamada", 3))).toEqual([
      "allowed",
    ]);
    // Narrowing never needs an instruction, and a later re-widening does.
    const narrowed = scope(2, "admin-sato", []);
    expect(reasons([first, narrowed], req("tanaka", 3))).toEqual(["disclosure-scope"]);
    const rewidened = scope(4, "admin-sato", ["tanaka"]);
    expect(reasons([first, narrowed, rewidened], req("tanaka", 5))).toEqual([
      "disclosure-scope",
      "scope-not-instructed",
    ]);
  });

  it("applies to a scoped field: the memo stays masked, and to shares", () => {
    const memo = scope(0, "admin-sato", ["tanaka"], "memo");
    const memoWide = scope(2, "admin-sato", ["tanaka", "suzuki"], "memo");
    const d = run([memo, memoWide], req("suzuki", 3, { fields: ["name", "memo"] }));
    expect(d.reasons).toEqual(["allowed"]);
    expect(d.obligations.maskFields).toEqual(["memo"]);
    expect(
      reasons([first, widened], req("tanaka", 3, { action: "share", recipient: "suzuki" })),
    ).toEqual(["recipient-out-of-scope"]);
  });
});

describe("マル秘, properties", () => {
  it("without any instruction, nobody outside the first scope ever reads the item", () => {
    const change = fc.record({
      by: fc.constantFrom(...STAFF),
      actors: fc.option(fc.subarray(STAFF), { nil: undefined }),
    });
    fc.assert(
      fc.property(fc.array(change, { maxLength: 5 }), fc.constantFrom(...STAFF), (changes, who) => {
        const events = [
          scope(0, "admin-sato", ["tanaka"]),
          ...changes.map((c, i) => scope(i + 1, c.by, c.actors)),
        ];
        const d = run(events, req(who, changes.length + 1));
        if (d.allowed) expect(["tanaka", "admin-sato"]).toContain(who);
      }),
      { numRuns: 300 },
    );
  });
});
