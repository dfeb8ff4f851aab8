import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { compilePolicy } from "../policy/config";
import { type DecisionRequest, decide } from "../policy/decide";
import { decodeSnapshot, encodeSnapshot } from "./snapshot";
import { chainEvents, HOUR, iso, resealSnapshot, T0, TEST_SNAPSHOT_KEY } from "./test-history";
import { Views } from "./view-set";

const LEDGER = "views.test/ledger";
const policy = compilePolicy({
  purposes: { support: { basis: "legitimate-interests", perSubject: false } },
  fourEyesFrom: "confidential",
});
const history: EventInput[] = [
  ...["alice", "kato"].map(
    (actorId): EventInput => ({
      type: "actor.onboarded",
      actor: { id: "hr" },
      occurredAt: iso(T0),
      payload: { actorId, clearance: "confidential" },
    }),
  ),
  {
    type: "permission.granted",
    actor: { id: "sato" },
    occurredAt: iso(T0),
    payload: {
      grantId: "g-1",
      grantee: { actor: "alice" },
      scope: { resourceType: "contact" },
      actions: ["read"],
      purposes: ["support"],
      grantedBy: "sato",
    },
  },
  {
    type: "permission.approved",
    actor: { id: "kato" },
    occurredAt: iso(T0 + HOUR),
    payload: { grantId: "g-1", approvedBy: "kato" },
  },
  {
    type: "confidentiality.instructed",
    actor: { id: "alice" },
    subjects: ["c-1"],
    occurredAt: iso(T0),
    payload: {
      instructionId: "i-1",
      resource: { type: "contact", id: "c-1" },
      mayKnow: { actors: ["alice"] },
      channel: "phone",
      capturedBy: "alice",
    },
  },
  {
    type: "alert.raised",
    actor: { id: "daicho-monitor" },
    occurredAt: iso(T0),
    payload: { alertId: "a-1", rule: "offboarded-actor", severity: "critical", actorId: "bob" },
  },
  {
    type: "alert.acknowledged",
    actor: { id: "kato" },
    occurredAt: iso(T0 + HOUR),
    payload: { alertId: "a-1", acknowledgedBy: "kato" },
  },
];
const read: DecisionRequest = {
  actor: "alice",
  action: "read",
  resource: { type: "contact", id: "c-1" },
  purpose: "support",
  subjects: ["c-1"],
  context: { at: T0 + 2 * HOUR },
};

const KEY = TEST_SNAPSHOT_KEY;
const trust = { key: KEY };

/** Re-tag under the test key: a well-formed snapshot whose content was changed. */
function reencode(text: string, edit: (views: Record<string, unknown>) => void): string {
  const parsed = JSON.parse(text) as { views: Record<string, unknown> };
  edit(parsed.views);
  return resealSnapshot(parsed, KEY);
}

describe("snapshots keep approvals, instructions and alerts", () => {
  const views = new Views().applyAll(chainEvents(history, LEDGER));

  it("restore the same decisions and alert states", () => {
    const restored = decodeSnapshot(encodeSnapshot(views, LEDGER, undefined, KEY), LEDGER, trust);
    if (E.isLeft(restored)) throw restored.left;
    const w = restored.right.views;
    expect(decide(w, policy, read).reasons).toEqual(decide(views, policy, read).reasons);
    expect(decide(w, policy, read).reasons).toEqual(["allowed"]);
    expect(w.alerts.alert("a-1")).toEqual(views.alerts.alert("a-1"));
    expect(w.instructions.instructionAt("contact", "c-1", undefined, T0)).toEqual(
      views.instructions.instructionAt("contact", "c-1", undefined, T0),
    );
  });

  it("fail closed on a snapshot from before approvals: its grants stay pending", () => {
    const old = reencode(encodeSnapshot(views, LEDGER, undefined, KEY), (v) => {
      delete v.approvals;
    });
    const restored = decodeSnapshot(old, LEDGER, trust);
    if (E.isLeft(restored)) throw restored.left;
    expect(decide(restored.right.views, policy, read).reasons).toEqual([
      "no-grant",
      "grant-pending-approval",
    ]);
  });

  it("refuse a malformed section with DECODE_ERROR naming it", () => {
    for (const [section, bad] of [
      ["approvals", { approvals: "x" }],
      ["alerts", [{ alertId: 1 }]],
      ["instructions", [["k", [{ at: "x" }]]]],
      ["contracts", { versions: [{}], terminations: [] }],
    ] as const) {
      const text = reencode(encodeSnapshot(views, LEDGER, undefined, KEY), (v) => {
        v[section] = bad;
      });
      const r = decodeSnapshot(text, LEDGER, trust);
      expect(E.isLeft(r) && r.left.code, section).toBe("DECODE_ERROR");
      expect(E.isLeft(r) && r.left.path, section).toContain(section);
    }
  });
});
