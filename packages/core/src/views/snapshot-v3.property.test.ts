import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decide } from "../policy/decide";
import { issue14Event, policies, request, when } from "../policy/test-requests";
import { decodeSnapshot, encodeBinarySnapshot, encodeSnapshot } from "./snapshot";
import { frameBinarySnapshot } from "./snapshot-v3";
import { chainEvents, historyArb, TEST_SNAPSHOT_KEY } from "./test-history";
import { Views } from "./view-set";

const LEDGER = "views.test/ledger";
const trust = { key: TEST_SNAPSHOT_KEY };

function restore(snapshot: string | Uint8Array): Views {
  const r = decodeSnapshot(snapshot, LEDGER, trust);
  if (E.isLeft(r)) throw r.left;
  return r.right.views;
}

describe("snapshot v3 restores the views a fold of the events builds", () => {
  it("restore(encode(views)) deep-equals the views, equals the v2 restore, and decides as a fold does (property)", () => {
    fc.assert(
      fc.property(
        historyArb,
        fc.array(issue14Event, { maxLength: 30 }),
        fc.array(request, { minLength: 1, maxLength: 8 }),
        fc.nat(),
        (history, controls, requests, seed) => {
          const events = chainEvents([...history, ...controls]);
          const cut = seed % (events.length + 1);
          const atCut = new Views().applyAll(events.slice(0, cut));
          const bytes = encodeBinarySnapshot(atCut, LEDGER, new Date(0), TEST_SNAPSHOT_KEY);
          const restored = restore(bytes);
          expect(restored.state()).toStrictEqual(JSON.parse(JSON.stringify(atCut.state())));
          expect(restored.at).toEqual(atCut.at);
          // The old format of the same views restores to the same state.
          const text = encodeSnapshot(atCut, LEDGER, new Date(0), TEST_SNAPSHOT_KEY);
          expect(restore(text).state()).toStrictEqual(restored.state());
          // Caught up from the snapshot's position, the views decide as a fold of every event.
          restored.applyAll(events.slice(restored.at.seq + 1));
          const folded = new Views().applyAll(events);
          expect(JSON.stringify(restored.state())).toBe(JSON.stringify(folded.state()));
          for (const p of policies) {
            for (const r of requests) {
              expect(decide(restored, p, r)).toEqual(decide(folded, p, r));
              const late = { ...r, context: { ...r.context, at: when(99) } };
              expect(decide(restored, p, late)).toEqual(decide(folded, p, late));
            }
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it("no single edited byte and no truncation of a snapshot restores (property)", () => {
    fc.assert(
      fc.property(historyArb, fc.nat(), fc.integer({ min: 1, max: 255 }), (history, at, xor) => {
        const views = new Views().applyAll(chainEvents(history));
        const bytes = encodeBinarySnapshot(views, LEDGER, new Date(0), TEST_SNAPSHOT_KEY);
        const edited = Uint8Array.from(bytes);
        const i = at % bytes.length;
        edited[i] = (edited[i] as number) ^ xor;
        const r = decodeSnapshot(edited, LEDGER, trust);
        expect(E.isLeft(r)).toBe(true);
        const cut = decodeSnapshot(bytes.subarray(0, i), LEDGER, trust);
        expect(E.isLeft(cut)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it("the direct writer gives byte for byte what the tree walk of views.state() gives, Japanese ids included (property)", () => {
    // Renames the pools' ids ("a1", "s2", "g3", "t-east", …) so tables hold multi-byte UTF-8.
    const japanese = fc.constantFrom("", "田中-", "顧客・", "ｶﾅ😀");
    fc.assert(
      fc.property(
        historyArb,
        fc.array(issue14Event, { maxLength: 30 }),
        japanese,
        fc.nat(),
        fc.integer({ min: 0, max: 8.64e15 }),
        (history, controls, prefix, seed, time) => {
          const folded = new Views().applyAll(
            chainEvents([...history, ...controls]).slice(0, seed % (history.length + 1)),
          );
          // Events hold ASCII ids only; a restored state may hold any text (an older or a
          // foreign writer's), so the ids are renamed in the state and restored from it.
          const renamed = JSON.stringify(folded.state()).replace(
            /"((?:a|s|g)[0-9]+|t-east|t-west)"/g,
            (_, id: string) => JSON.stringify(prefix + id),
          );
          const restored = Views.fromState(JSON.parse(renamed), folded.at);
          if (E.isLeft(restored)) throw restored.left;
          const views = restored.right;
          expect(JSON.stringify(views.state())).toBe(renamed);
          for (const key of [TEST_SNAPSHOT_KEY, undefined]) {
            const direct = encodeBinarySnapshot(views, LEDGER, new Date(time), key);
            const tree = frameBinarySnapshot(views, LEDGER, new Date(time), key, (w) =>
              w.value(views.state(), 0),
            );
            expect(Buffer.from(direct).equals(Buffer.from(tree))).toBe(true);
          }
        },
      ),
      { numRuns: 300 },
    );
  });
});
