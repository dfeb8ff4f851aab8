import { describe, expect, it } from "vitest";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { Projector } from "../views/projector";
import { HOUR, T0 } from "../views/test-history";
import { base, ev, policy } from "./controls.fixture";
import type { DecisionRequest } from "./decide";
import { decideAndRecord } from "./record";

const START = T0 + 2 * HOUR;
const read = (recordCount: number, at = START): DecisionRequest => ({
  actor: "alice",
  action: "read",
  resource: { type: "contact", id: "c-1" },
  purpose: "support",
  recordCount,
  context: { at },
});

async function crm() {
  const ledger = await openLedger({ store: memoryStore(), ledgerId: "volume.race/ledger" });
  await ledger.appendBatch([
    ...base(),
    ev("volume.limits-set", { limits: [{ metric: "records-read", window: "hour", max: 500 }] }, 0),
  ]);
  return { ledger, projector: await Projector.start({ ledger }) };
}

describe("volume limits under concurrency (issue 14 item 3)", () => {
  it("two concurrent bulk reads by one actor cannot together exceed the limit: the later-sequenced one is refused and recorded so", async () => {
    const { ledger, projector } = await crm();
    // Both are decided on the same views, before either decision is folded in.
    const [a, b] = await Promise.all([
      decideAndRecord(ledger, projector.views, policy, read(300)),
      decideAndRecord(ledger, projector.views, policy, read(300)),
    ]);
    expect([a.decision.allowed, b.decision.allowed]).toEqual([true, false]);
    expect(b.decision.reasons).toEqual(["read-volume-exceeded"]);
    expect(b.decision.grants).toEqual([]);
    // The ledger holds the reservation and, after it, the denial with the same decision id.
    const accesses = [];
    for await (const e of ledger.read()) if (e.type === "data.accessed") accesses.push(e.payload);
    expect(accesses.map((p) => [p.outcome, p.decisionId])).toEqual([
      ["allowed", a.decision.decisionId],
      ["allowed", b.decision.decisionId],
      ["denied", b.decision.decisionId],
    ]);
    expect(b.event.payload).toMatchObject({ outcome: "denied", reasons: ["read-volume-exceeded"] });
  });

  it("of many concurrent reads, only as many are allowed as fit the limit", async () => {
    const { ledger, projector } = await crm();
    const results = await Promise.all(
      Array.from({ length: 12 }, () => decideAndRecord(ledger, projector.views, policy, read(100))),
    );
    expect(results.filter((r) => r.decision.allowed)).toHaveLength(5);
  });

  it("a request that fits next to the other in-flight one is still allowed", async () => {
    const { ledger, projector } = await crm();
    const [a, b] = await Promise.all([
      decideAndRecord(ledger, projector.views, policy, read(250)),
      decideAndRecord(ledger, projector.views, policy, read(250)),
    ]);
    expect([a.decision.allowed, b.decision.allowed]).toEqual([true, true]);
  });
});
