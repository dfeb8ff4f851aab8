import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { compilePolicy } from "../policy/config";
import { decideAndRecord } from "../policy/record";
import { memoryStore } from "../store/memory";
import { HOUR, iso, T0 } from "../views/test-history";
import { Views } from "../views/view-set";
import { accessReview } from "./access-review";

const DAY = 24 * HOUR;
const NOW = T0 + 200 * DAY;
const policy = compilePolicy({
  purposes: { support: { basis: "legitimate-interests", perSubject: false } },
  fourEyesFrom: "strictly-confidential",
});
const hr = { id: "hr" };
const onboard = (
  actorId: string,
  clearance: "internal" | "confidential" | "strictly-confidential",
  teams: string[],
): EventInput => ({
  type: "actor.onboarded",
  actor: hr,
  occurredAt: iso(T0),
  payload: { actorId, clearance, teams },
});
const grant = (grantId: string, actor: string, atMs: number, extra = {}): EventInput => ({
  type: "permission.granted",
  actor: { id: "admin-sato" },
  occurredAt: iso(atMs),
  payload: {
    grantId,
    grantee: { actor },
    scope: { resourceType: "contact" },
    actions: ["read"],
    purposes: ["support"],
    grantedBy: "admin-sato",
    ...extra,
  },
});
const setup: EventInput[] = [
  onboard("alice", "strictly-confidential", ["t-vip"]),
  onboard("bob", "confidential", ["t-vip"]),
  onboard("carol", "strictly-confidential", ["t-other"]),
  onboard("dave", "strictly-confidential", ["t-vip"]),
  onboard("admin-kato", "internal", []),
  {
    type: "record.created",
    actor: { id: "crm" },
    subjects: ["c-9"],
    occurredAt: iso(T0),
    payload: { resource: { type: "contact", id: "c-9" }, fields: ["name", "memo"] },
  },
  // マル秘: the record is strictly confidential and only team t-vip may learn it.
  {
    type: "classification.changed",
    actor: { id: "admin-sato" },
    occurredAt: iso(T0),
    payload: {
      resource: { type: "contact", id: "c-9" },
      level: "strictly-confidential",
      scope: { teams: ["t-vip"] },
    },
  },
  grant("g-alice", "alice", T0),
  {
    type: "permission.approved",
    actor: { id: "admin-kato" },
    occurredAt: iso(T0 + HOUR),
    payload: { grantId: "g-alice", approvedBy: "admin-kato" },
  },
  grant("g-bob", "bob", T0, {
    clearance: "confidential",
    scope: { resourceType: "contact", subjects: ["c-9"] },
  }),
  grant("g-carol", "carol", T0),
  {
    type: "permission.approved",
    actor: { id: "admin-kato" },
    occurredAt: iso(T0 + HOUR),
    payload: { grantId: "g-carol", approvedBy: "admin-kato" },
  },
  grant("g-dave", "dave", NOW - DAY), // pending: nobody approved it
];

describe("access review", () => {
  it("lists grants in force, unused and broad ones, pending approvals, and who can read each strictly-confidential item", async () => {
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "review.test/ledger" });
    await ledger.appendBatch(setup);
    const views = new Views();
    await views.applyAllAsync(ledger.read());
    // Alice reads c-9 ten days ago through her grant; the grant id is recorded.
    const { decision } = await decideAndRecord(ledger, views, policy, {
      actor: "alice",
      action: "read",
      resource: { type: "contact", id: "c-9" },
      purpose: "support",
      context: { at: NOW - 10 * DAY },
    });
    expect(decision.allowed).toBe(true);
    const review = await accessReview(ledger.read(), policy, { asOf: NOW, unusedDays: 90 });
    expect(review.grants.map((g) => g.grantId)).toEqual(["g-alice", "g-bob", "g-carol", "g-dave"]);
    expect(review.grants.find((g) => g.grantId === "g-alice")?.lastUsedAt).toBe(
      iso(NOW - 10 * DAY),
    );
    // Bob's and Carol's grants are 200 days old and never used; Dave's is a day old.
    expect(review.unused).toEqual(["g-bob", "g-carol"]);
    expect(review.broad).toEqual(["g-alice", "g-carol", "g-dave"]);
    expect(review.grants.filter((g) => g.pendingApproval).map((g) => g.grantId)).toEqual([
      "g-dave",
    ]);
    // Bob lacks clearance, Carol is outside the disclosure scope, Dave's grant is pending.
    expect(review.strictlyConfidential).toEqual([
      {
        resource: { type: "contact", id: "c-9" },
        readers: [{ actor: "alice", purposes: ["support"] }],
      },
    ]);
  });
});
