import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { LedgerEvent } from "../events/envelope";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { ms } from "./event";
import { grantEndsAt } from "./permissions";
import { Projector } from "./projector";
import { decodeSnapshot, encodeSnapshot } from "./snapshot";
import {
  ACTORS,
  chainEvents,
  HOUR,
  historyArb,
  PURPOSES,
  SUBJECTS,
  T0,
  TEST_SNAPSHOT_KEY,
} from "./test-history";
import { Views } from "./view-set";

const stateOf = (v: Views) => JSON.stringify(v.state());

describe("views are a deterministic fold", () => {
  it("incremental = rebuilt from scratch = restored from a snapshot and caught up", () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), (inputs, cutSeed) => {
        const events = chainEvents(inputs);
        const incremental = new Views();
        const cut = events.length === 0 ? 0 : cutSeed % (events.length + 1);
        let snapshot = encodeSnapshot(
          incremental,
          "views.test/ledger",
          undefined,
          TEST_SNAPSHOT_KEY,
        );
        events.forEach((e, i) => {
          if (i === cut)
            snapshot = encodeSnapshot(
              incremental,
              "views.test/ledger",
              undefined,
              TEST_SNAPSHOT_KEY,
            );
          incremental.apply(e);
        });
        if (cut === events.length)
          snapshot = encodeSnapshot(incremental, "views.test/ledger", undefined, TEST_SNAPSHOT_KEY);
        const rebuilt = new Views().applyAll(events);
        const restored = decodeSnapshot(snapshot, "views.test/ledger", { key: TEST_SNAPSHOT_KEY });
        if (E.isLeft(restored)) throw restored.left;
        const caughtUp = restored.right.views.applyAll(
          events.slice(restored.right.views.at.seq + 1),
        );
        expect(stateOf(rebuilt)).toBe(stateOf(incremental));
        expect(stateOf(caughtUp)).toBe(stateOf(incremental));
        expect(caughtUp.at).toEqual(incremental.at);
      }),
      { numRuns: 300 },
    );
  });

  it("the projector's live views equal a rebuild from the store and a restart from a snapshot", async () => {
    await fc.assert(
      fc.asyncProperty(
        historyArb,
        fc.array(fc.integer({ min: 1, max: 7 }), { minLength: 1 }),
        async (inputs, sizes) => {
          const ledger = await openLedger({
            store: memoryStore(),
            ledgerId: "projector.test/ledger",
          });
          const key = TEST_SNAPSHOT_KEY;
          const live = await Projector.start({ ledger, snapshotKey: key });
          let i = 0;
          let k = 0;
          let snapshot: string | undefined;
          while (i < inputs.length) {
            const size = sizes[k++ % sizes.length] as number;
            await ledger.appendBatch(inputs.slice(i, i + size));
            i += size;
            if (snapshot === undefined && i >= inputs.length / 2) snapshot = live.snapshot();
          }
          const rebuilt = await new Views().applyAllAsync(ledger.read());
          const restarted = await Projector.start({
            ledger,
            snapshotKey: key,
            ...(snapshot ? { snapshot } : {}),
          });
          expect(restarted.restore.status).toBe(snapshot ? "restored" : "none");
          expect(stateOf(live.views)).toBe(stateOf(rebuilt));
          expect(stateOf(restarted.views)).toBe(stateOf(rebuilt));
          live.stop();
          restarted.stop();
        },
      ),
      { numRuns: 40 },
    );
  });
});

/** An independent oracle: is `grantId` (some version of it, directly to `actor`) in force at `t`? */
function oracleInForce(events: readonly LedgerEvent[], actor: string, t: number): Set<string> {
  const out = new Set<string>();
  const grants = events.filter((e) => e.type === "permission.granted");
  for (const g of grants) {
    const p = g.payload as { grantId: string; grantee: { actor?: string }; expiresAt?: string };
    if (p.grantee.actor !== actor) continue;
    const at = ms(g.occurredAt);
    if (at > t) continue;
    if (p.expiresAt !== undefined && ms(p.expiresAt) <= t) continue;
    const killed = events.some((e) => {
      const when = ms(e.occurredAt);
      if (when < at || when > t) return false;
      if (e.type === "permission.revoked")
        return (e.payload as { grantId: string }).grantId === p.grantId;
      if (e.type === "actor.offboarded")
        return (e.payload as { actorId: string }).actorId === actor;
      if (e.type === "permission.granted" && e !== g) {
        const q = e.payload as { grantId: string };
        return q.grantId === p.grantId && (when > at || e.seq > g.seq);
      }
      return false;
    });
    if (!killed) out.add(p.grantId);
  }
  return out;
}

describe("permissions", () => {
  it("match an independent oracle: revocation, offboarding and newer versions end older grants", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.constantFrom(...ACTORS),
        fc.integer({ min: -1, max: 140 }),
        (inputs, actor, half) => {
          const events = chainEvents(inputs);
          const views = new Views().applyAll(events);
          const t = T0 + half * (HOUR / 2);
          const got = new Set(views.permissions.grantsInForce(actor, [], t).map((g) => g.grantId));
          expect([...got].sort()).toEqual([...oracleInForce(events, actor, t)].sort());
        },
      ),
      { numRuns: 400 },
    );
  });

  it("a revocation always wins over every older version of the grant, whatever the recording order", () => {
    fc.assert(
      fc.property(historyArb, (inputs) => {
        const events = chainEvents(inputs);
        const views = new Views().applyAll(events);
        for (const r of events.filter((e) => e.type === "permission.revoked")) {
          const rAt = ms(r.occurredAt);
          for (const g of views.permissions.versionsOf(
            (r.payload as { grantId: string }).grantId,
          )) {
            if (g.grantedAt <= rAt) expect(grantEndsAt(g)).toBeLessThanOrEqual(rAt);
          }
        }
        for (const o of events.filter((e) => e.type === "actor.offboarded")) {
          const oAt = ms(o.occurredAt);
          for (const g of views.permissions.grantsOfActor(
            (o.payload as { actorId: string }).actorId,
          )) {
            if (g.grantedAt <= oAt) expect(grantEndsAt(g)).toBeLessThanOrEqual(oAt);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});

describe("consent", () => {
  it("status at t is decided by the last consent event effective at or before t", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.constantFrom(...SUBJECTS),
        fc.constantFrom(...PURPOSES),
        fc.integer({ min: -1, max: 150 }),
        (inputs, s, p, half) => {
          const events = chainEvents(inputs);
          const views = new Views().applyAll(events);
          const t = T0 + half * (HOUR / 2);
          const relevant = events
            .filter(
              (e) =>
                e.type.startsWith("consent.") &&
                (e.payload as { purpose: string }).purpose === p &&
                e.subjects?.some((x) => x.id === s) &&
                ms(e.occurredAt) <= t,
            )
            .sort((a, b) => ms(a.occurredAt) - ms(b.occurredAt) || a.seq - b.seq);
          const last = relevant[relevant.length - 1];
          let expected = "never-asked";
          if (last?.type === "consent.withdrawn") expected = "withdrawn";
          if (last?.type === "consent.expired") expected = "expired";
          if (last?.type === "consent.granted") {
            const exp = (last.payload as { expiresAt?: string }).expiresAt;
            expected = exp !== undefined && ms(exp) <= t ? "expired" : "granted";
          }
          expect(views.consent.statusAt(s, p, t)).toBe(expected);
          expect(views.consent.answerAt(s, p, t).status).toBe(expected);
        },
      ),
      { numRuns: 400 },
    );
  });
});
