import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { LedgerEvent } from "../events/envelope";
import { VolumeView, WINDOW_MINUTES } from "./volume";

const MINUTE = 60_000;
const T0 = Date.parse("2026-04-01T00:00:00.000Z");

/** A minimal allowed `data.accessed` the volume view folds (it reads no other member). */
function access(
  seq: number,
  actor: string,
  minute: number,
  n: number,
  action: string,
): LedgerEvent {
  const at = new Date(T0 + minute * MINUTE + (seq % 60) * 1000).toISOString();
  return {
    seq,
    type: "data.accessed",
    occurredAt: at,
    recordedAt: at,
    actor: { id: actor },
    payload: { outcome: "allowed", action, recordCount: n },
  } as unknown as LedgerEvent;
}

/** The straightforward count: every access ever folded, summed over the window. */
function reference(
  events: readonly { actor: string; minute: number; n: number; action: string }[],
  actor: string,
  metric: "records-read" | "records-exported",
  window: "hour" | "day",
  atMinute: number,
): number {
  let sum = 0;
  for (const e of events) {
    if (e.actor !== actor) continue;
    if ((e.action === "read") !== (metric === "records-read")) continue;
    if (e.minute <= atMinute && e.minute >= atMinute - WINDOW_MINUTES[window]) sum += e.n;
  }
  return sum;
}

/**
 * Histories long enough to compact (several days of active minutes per actor), mostly in
 * order with some backdated accesses, including ones behind the compacted floor.
 */
const history = fc
  .array(
    fc.record({
      actor: fc.constantFrom("alice", "alice", "bob"),
      step: fc.integer({ min: 1, max: 3 }),
      back: fc.oneof(fc.constant(0), fc.constant(0), fc.integer({ min: 1, max: 4000 })),
      n: fc.integer({ min: 1, max: 50 }),
      action: fc.constantFrom("read", "export", "share"),
    }),
    // Long enough that alice's buckets are compacted at least once (2,884 active minutes).
    { minLength: 9000, maxLength: 10_000 },
  )
  .map((steps) => {
    let minute = 0;
    return steps.map((s) => {
      minute += s.step;
      return { actor: s.actor, minute: Math.max(0, minute - s.back), n: s.n, action: s.action };
    });
  });

describe("volume buckets compaction", () => {
  it("keeps every count exact at and after each actor's newest minute, and never under-states older ones", () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 0, max: 3000 }), (events, probe) => {
        const view = new VolumeView();
        const newest = new Map<string, number>();
        const perMinute = new Map<string, Map<number, number>>();
        // After every access, the window ending at the actor's newest minute is exact
        // (compaction runs inside `apply`, so this also checks the instant right after one).
        for (const [seq, e] of events.entries()) {
          view.apply(access(seq, e.actor, e.minute, e.n, e.action));
          const top = Math.max(newest.get(e.actor) ?? -1, e.minute);
          newest.set(e.actor, top);
          const metric = e.action === "read" ? "records-read" : "records-exported";
          const key = `${e.actor} ${metric}`;
          const counts = perMinute.get(key) ?? new Map<number, number>();
          perMinute.set(key, counts.set(e.minute, (counts.get(e.minute) ?? 0) + e.n));
          let want = 0;
          for (let m = top - WINDOW_MINUTES.day; m <= top; m++) want += counts.get(m) ?? 0;
          const at = T0 + top * MINUTE + 59_000;
          expect(view.usedAt(e.actor, metric, "day", at)).toBe(want);
        }
        const restored = VolumeView.fromSnapshot(JSON.parse(JSON.stringify(view.toSnapshot())));
        if (E.isLeft(restored)) throw restored.left;
        for (const actor of ["alice", "bob"]) {
          const last = newest.get(actor) ?? 0;
          for (const metric of ["records-read", "records-exported"] as const) {
            for (const window of ["hour", "day"] as const) {
              for (const m of [last, last + 1, last + probe]) {
                const want = reference(events, actor, metric, window, m);
                const at = T0 + m * MINUTE + 59_000;
                expect(view.usedAt(actor, metric, window, at)).toBe(want);
                expect(restored.right.usedAt(actor, metric, window, at)).toBe(want);
              }
              const older = last - probe;
              const got = view.usedAt(actor, metric, window, T0 + older * MINUTE);
              expect(got).toBeGreaterThanOrEqual(reference(events, actor, metric, window, older));
            }
          }
        }
      }),
      { numRuns: 6, endOnFailure: true },
    );
  }, 120_000);

  it("bounds the buckets kept per actor by the longest window, however long the history", () => {
    const view = new VolumeView();
    // Ten days of one access a minute: 14,400 active minutes.
    for (let m = 0; m < 14_400; m++) {
      view.apply(access(m, "alice", m, 1, "read"));
      // Exact right after every access, including the ones that trigger a compaction.
      const used = view.usedAt("alice", "records-read", "day", T0 + m * MINUTE);
      if (used !== Math.min(m + 1, WINDOW_MINUTES.day + 1)) expect({ m, used }).toBe("exact");
    }
    const buckets = view.toSnapshot().read[0]?.[1];
    expect(buckets?.minutes.length).toBeLessThanOrEqual(2 * (WINDOW_MINUTES.day + 2));
    expect(view.usedAt("alice", "records-read", "day", T0 + 14_399 * MINUTE)).toBe(1441);
  });
});
