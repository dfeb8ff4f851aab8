import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { Projector } from "../views/projector";
import { HOUR, T0 } from "../views/test-history";
import { base, ev, policy } from "./controls.fixture";
import type { DecisionRequest } from "./decide";
import { decideAndRecord } from "./record";

const MIN = 60_000;

/** A real ledger with the base CRM and `controls`, views kept live by a projector. */
async function crm(controls: EventInput[]) {
  const ledger = await openLedger({ store: memoryStore(), ledgerId: "controls.volume/ledger" });
  await ledger.appendBatch([...base(), ...controls]);
  const projector = await Projector.start({ ledger });
  /** Decide and record at `ms`, then let the views fold the decision before the next one. */
  const ask = async (ms: number, over: Partial<DecisionRequest> = {}) => {
    const r = await decideAndRecord(ledger, projector.views, policy, {
      actor: "alice",
      action: "read",
      resource: { type: "contact", id: "c-1" },
      purpose: "support",
      ...over,
      context: { at: ms, ...over.context },
    });
    await projector.catchUp();
    return r;
  };
  return { ledger, projector, ask };
}

const limits = (payload: Record<string, unknown>) => ev("volume.limits-set", payload, 0);
const START = T0 + 2 * HOUR;

describe("volume limits (issue 14 item 3)", () => {
  it("a bulk read counts every record it asks for, and the hourly limit refuses the one over", async () => {
    const { ask, projector } = await crm([
      limits({ limits: [{ metric: "records-read", window: "hour", max: 100 }] }),
    ]);
    expect((await ask(START, { recordCount: 60 })).decision.allowed).toBe(true);
    const bulk = await ask(START + MIN, { recordCount: 41 });
    expect(bulk.decision.reasons).toEqual(["read-volume-exceeded"]);
    expect(bulk.event.payload.recordCount).toBe(41);
    expect((await ask(START + 2 * MIN, { recordCount: 40 })).decision.allowed).toBe(true);
    expect((await ask(START + 3 * MIN)).decision.reasons).toEqual(["read-volume-exceeded"]);
    // 59 min 59 s after the first read its 60 records still count…
    expect((await ask(START + 59 * MIN + 59_000)).decision.reasons).toEqual([
      "read-volume-exceeded",
    ]);
    // …and the window rolls: an hour and a minute after the first read, its 60 records are out
    expect((await ask(START + 62 * MIN, { recordCount: 60 })).decision.allowed).toBe(true);
    projector.stop();
  });

  it("exports and shares share one daily export limit; reads do not use it up", async () => {
    const { ask, projector } = await crm([
      limits({ limits: [{ metric: "records-exported", window: "day", max: 500 }] }),
    ]);
    expect((await ask(START, { recordCount: 10_000 })).decision.allowed).toBe(true);
    expect((await ask(START, { action: "export", recordCount: 400 })).decision.allowed).toBe(true);
    const share = await ask(START + HOUR, { action: "share", recipient: "p-1", recordCount: 101 });
    expect(share.decision.reasons).toEqual(["export-volume-exceeded"]);
    expect(
      (await ask(START + 23 * HOUR, { action: "export", recordCount: 101 })).decision.reasons,
    ).toEqual(["export-volume-exceeded"]);
    expect(
      (await ask(START + 25 * HOUR, { action: "export", recordCount: 500 })).decision.allowed,
    ).toBe(true);
    projector.stop();
  });

  it("denied requests use no quota, and a limit for one team leaves another alone", async () => {
    const { ask, projector } = await crm([
      limits({ limits: [{ metric: "records-read", window: "hour", max: 5, teams: ["t-east"] }] }),
    ]);
    expect((await ask(START, { recordCount: 6 })).decision.allowed).toBe(false);
    expect((await ask(START, { recordCount: 5 })).decision.allowed).toBe(true);
    expect((await ask(START, { actor: "bob", recordCount: 1000 })).decision.allowed).toBe(true);
    projector.stop();
  });

  it("a backdated decision lands in its own minute and still counts", async () => {
    const { ask, projector } = await crm([
      limits({ limits: [{ metric: "records-read", window: "hour", max: 10 }] }),
    ]);
    expect((await ask(START + 30 * MIN, { recordCount: 5 })).decision.allowed).toBe(true);
    expect((await ask(START, { recordCount: 5 })).decision.allowed).toBe(true);
    expect((await ask(START + 31 * MIN)).decision.reasons).toEqual(["read-volume-exceeded"]);
    expect(projector.views.volume.usedAt("alice", "records-read", "hour", START + 31 * MIN)).toBe(
      10,
    );
    projector.stop();
  });

  it("a record count that is not a whole number ≥ 1 is request-invalid", async () => {
    const { ask, projector } = await crm([]);
    for (const n of [0, -5, 1.5, Number.NaN]) {
      expect((await ask(START, { recordCount: n })).decision.reasons).toEqual(["request-invalid"]);
    }
    projector.stop();
  });

  it("property: in every rolling hour the records allowed never exceed the limit", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 50 }),
        fc.array(
          fc.record({
            gapMin: fc.integer({ min: 0, max: 70 }),
            jitterMs: fc.integer({ min: 0, max: 59_999 }),
            count: fc.integer({ min: 1, max: 30 }),
            action: fc.constantFrom("read" as const, "export" as const),
          }),
          { maxLength: 25 },
        ),
        async (max, steps) => {
          const { ask, projector } = await crm([
            limits({
              limits: [
                { metric: "records-read", window: "hour", max },
                { metric: "records-exported", window: "hour", max },
              ],
            }),
          ]);
          let t = START;
          const allowed: { t: number; n: number; action: string }[] = [];
          for (const s of steps) {
            t += s.gapMin * MIN + s.jitterMs;
            const r = await ask(t, { action: s.action, recordCount: s.count });
            if (r.decision.allowed) allowed.push({ t, n: s.count, action: s.action });
          }
          projector.stop();
          for (const a of allowed) {
            for (const action of ["read", "export"]) {
              const inHour = allowed
                .filter((b) => b.action === action && b.t > a.t - HOUR && b.t <= a.t)
                .reduce((sum, b) => sum + b.n, 0);
              expect(inHour).toBeLessThanOrEqual(max);
            }
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
