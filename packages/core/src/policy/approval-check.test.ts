import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { Projector } from "../views/projector";
import { chainEvents, HOUR, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { approveGrant } from "./approval";
import { compilePolicy } from "./config";
import { type DecisionRequest, decide } from "./decide";

const at = (h: number) => iso(T0 + h * HOUR);
const purposes = { support: { basis: "legitimate-interests", perSubject: false } } as const;
const fourEyes = compilePolicy({ purposes, fourEyesFrom: "confidential" });
const noFourEyes = compilePolicy({ purposes });

const onboard = (actorId: string, h = 0): EventInput => ({
  type: "actor.onboarded",
  actor: { id: "hr" },
  occurredAt: at(h),
  payload: { actorId, clearance: "strictly-confidential" },
});
/** A grant to alice recorded by `recorder`, naming `grantedBy`; `clearance` optional. */
const grant = (
  h: number,
  extra: Record<string, unknown> = {},
  recorder = "admin-sato",
): EventInput => ({
  type: "permission.granted",
  actor: { id: recorder },
  occurredAt: at(h),
  payload: {
    grantId: "g-alice",
    grantee: { actor: "alice" },
    scope: { resourceType: "contact" },
    actions: ["read"],
    purposes: ["support"],
    grantedBy: "admin-sato",
    ...extra,
  },
});
const approve = (h: number, approvedBy: string, recorder = approvedBy): EventInput => ({
  type: "permission.approved",
  actor: { id: recorder },
  occurredAt: at(h),
  payload: { grantId: "g-alice", approvedBy },
});
const base: EventInput[] = [
  ...["alice", "admin-sato", "admin-kato", "admin-ito"].map((a) => onboard(a)),
  {
    type: "record.created",
    actor: { id: "crm" },
    subjects: ["c-1"],
    occurredAt: at(0),
    payload: { resource: { type: "contact", id: "c-1" }, fields: ["name"] },
  },
  {
    type: "classification.changed",
    actor: { id: "admin-sato" },
    occurredAt: at(0),
    payload: { resource: { type: "contact", id: "c-1" }, level: "confidential" },
  },
];
const read = (h: number): DecisionRequest => ({
  actor: "alice",
  action: "read",
  resource: { type: "contact", id: "c-1" },
  purpose: "support",
  context: { at: T0 + h * HOUR },
});
const views = (extra: EventInput[]) => new Views().applyAll(chainEvents([...base, ...extra]));
const reasons = (extra: EventInput[], h: number, policy = fourEyes) =>
  decide(views(extra), policy, read(h)).reasons;

describe("four-eyes approval of grants reaching confidential data", () => {
  it("keeps a grant pending until a second person approves, from the approval on", () => {
    const extra = [grant(1), approve(3, "admin-kato")];
    expect(reasons(extra, 2)).toEqual(["no-grant", "grant-pending-approval"]);
    expect(reasons(extra, 3)).toEqual(["allowed"]);
    // Without fourEyesFrom the same grant allows at once (the behaviour before).
    expect(reasons([grant(1)], 2, noFourEyes)).toEqual(["allowed"]);
  });

  it("does not count an approval by the granter, the recorder, the grantee, or in another's name", () => {
    for (const bad of [
      approve(3, "admin-sato"), // grantedBy
      approve(3, "alice"), // the grantee
      approve(3, "admin-kato", "admin-sato"), // the granter writing in Kato's name
      approve(3, "nobody"), // never onboarded
    ]) {
      expect(reasons([grant(1), bad], 4)).toEqual(["no-grant", "grant-pending-approval"]);
    }
    // The recorder differs from grantedBy: Ito recorded a grant naming Sato, then approves it.
    expect(reasons([grant(1, {}, "admin-ito"), approve(3, "admin-ito")], 4)).toEqual([
      "no-grant",
      "grant-pending-approval",
    ]);
    // An approver offboarded before approving does not count either.
    const gone: EventInput = {
      type: "actor.offboarded",
      actor: { id: "hr" },
      occurredAt: at(2),
      payload: { actorId: "admin-kato" },
    };
    expect(reasons([grant(1), gone, approve(3, "admin-kato")], 4)).toEqual([
      "no-grant",
      "grant-pending-approval",
    ]);
  });

  it("does not carry an approval over to a re-grant of the same id", () => {
    const regrant = grant(5, { actions: ["read", "export"] });
    expect(reasons([grant(1), approve(2, "admin-kato"), regrant], 4)).toEqual(["allowed"]);
    expect(reasons([grant(1), approve(2, "admin-kato"), regrant], 6)).toEqual([
      "no-grant",
      "grant-pending-approval",
    ]);
  });

  it("needs no approval for a grant capped below the level", () => {
    const internal = base.map((e) =>
      e.type === "classification.changed"
        ? {
            ...e,
            payload: { resource: { type: "contact", id: "c-1" }, level: "internal" as const },
          }
        : e,
    );
    const v = new Views().applyAll(chainEvents([...internal, grant(1, { clearance: "internal" })]));
    expect(decide(v, fourEyes, read(2)).reasons).toEqual(["allowed"]);
  });

  it("approveGrant refuses self-approval and unknown grants, writing nothing", async () => {
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "approval.test/ledger" });
    await ledger.appendBatch([...base, grant(1)]);
    const projector = await Projector.start({ ledger });
    const head = (await ledger.head())?.seq;
    const when = new Date(T0 + 2 * HOUR);
    for (const [input, code] of [
      [{ grantId: "g-alice", by: "admin-sato", at: when }, "INVALID_ARGUMENT"],
      [{ grantId: "g-alice", by: "alice", at: when }, "INVALID_ARGUMENT"],
      [{ grantId: "g-alice", by: "stranger", at: when }, "INVALID_ARGUMENT"],
      [{ grantId: "g-nope", by: "admin-kato", at: when }, "NOT_FOUND"],
    ] as const) {
      await expect(approveGrant(ledger, projector.views, input)).rejects.toMatchObject({ code });
    }
    expect((await ledger.head())?.seq).toBe(head);
    await approveGrant(ledger, projector.views, { grantId: "g-alice", by: "admin-kato", at: when });
    await projector.catchUp();
    expect(decide(projector.views, fourEyes, read(2)).reasons).toEqual(["allowed"]);
    projector.stop();
  });
});

describe("four eyes, properties", () => {
  it("a pending grant never allows: without a valid approval at or before t, decide denies", () => {
    const people = ["admin-sato", "admin-kato", "alice", "nobody"];
    const approvalArb = fc.record({
      h: fc.integer({ min: 0, max: 10 }),
      approver: fc.constantFrom(...people),
      recorder: fc.constantFrom(...people),
    });
    fc.assert(
      fc.property(
        fc.array(approvalArb, { maxLength: 4 }),
        fc.integer({ min: 0, max: 11 }),
        (as, askH) => {
          const extra = [grant(1), ...as.map((a) => approve(a.h, a.approver, a.recorder))];
          const d = decide(views(extra), fourEyes, read(askH));
          const valid = as.some(
            (a) =>
              a.h >= 1 && a.h <= askH && a.approver === a.recorder && a.approver === "admin-kato",
          );
          expect(d.allowed).toBe(askH >= 1 && valid);
        },
      ),
      { numRuns: 200 },
    );
  });
});
