import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { eventHash as eventHashOf } from "./chain";
import { isDaichoError } from "./errors";
import type { StoredEvent } from "./events/envelope";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import type { Store } from "./store/store";
import { subjectEventsVerified } from "./subject-events";
import { sampleInput } from "./testing/fixtures";
import { overrideStore } from "./testing/override-store";

/** A store whose subject index answers with `edit(rows)` instead of the true rows. */
function withIndex(inner: Store, edit: (rows: StoredEvent[]) => StoredEvent[]): Store {
  return overrideStore(inner, {
    async *readSubject(subject: string) {
      const rows: StoredEvent[] = [];
      for await (const e of inner.readSubject(subject)) rows.push(e);
      yield* edit(rows);
    },
  });
}

async function history(n: number): Promise<Store> {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId: "subject-events.test/l" });
  // Subjects contact-0 … contact-2, plus `-co` subjects on exports: every list is interleaved.
  for (let i = 0; i < n; i++) await ledger.append(sampleInput(i, `contact-${i % 3}`));
  return store;
}

const SUBJECT = "contact-1";

describe("readSubjectVerified", () => {
  it("returns exactly the events whose body names the subject, from an honest index", async () => {
    const store = await history(40);
    const all: StoredEvent[] = [];
    for await (const e of store.read()) all.push(e);
    const expected = all.filter((e) => e.body.includes(`{"id":"${SUBJECT}"`)).map((e) => e.seq);
    const got = await subjectEventsVerified(store, SUBJECT);
    expect(got.map((e) => e.seq)).toEqual(expected);
    expect(got.every((e) => e.subjects?.some((s) => s.id === SUBJECT))).toBe(true);
  });

  it("decides from the body, not the row: a type column edit changes nothing returned", async () => {
    const store = await history(12);
    const honest = await subjectEventsVerified(store, SUBJECT);
    const edited = withIndex(store, (rows) => rows.map((r) => ({ ...r, type: "erasure.fenced" })));
    expect(await subjectEventsVerified(edited, SUBJECT)).toEqual(honest);
  });

  it("fails closed on any edit of the index short of dropping its tail (property)", async () => {
    const store = await history(40);
    const rows: StoredEvent[] = [];
    for await (const e of store.readSubject(SUBJECT)) rows.push(e);
    const foreign: StoredEvent[] = [];
    for await (const e of store.readSubject("contact-2")) foreign.push(e);
    const edits = fc.oneof(
      // Drop one row that is not the last: its successor's back-link has nothing to match.
      fc
        .integer({ min: 0, max: rows.length - 2 })
        .map((i) => (r: StoredEvent[]) => r.toSpliced(i, 1)),
      // Repeat a row, or swap two neighbours.
      fc
        .integer({ min: 0, max: rows.length - 1 })
        .map((i) => (r: StoredEvent[]) => r.toSpliced(i, 0, r[i] as StoredEvent)),
      fc.integer({ min: 0, max: rows.length - 2 }).map((i) => (r: StoredEvent[]) => {
        const out = [...r];
        [out[i], out[i + 1]] = [out[i + 1] as StoredEvent, out[i] as StoredEvent];
        return out;
      }),
      // Slip in another subject's event, in sequence order.
      fc
        .integer({ min: 0, max: foreign.length - 1 })
        .map(
          (i) => (r: StoredEvent[]) =>
            [...r, foreign[i] as StoredEvent].sort((a, b) => a.seq - b.seq),
        ),
      // Edit one byte of a body, or a body and its hash column together (not the last row).
      fc.tuple(fc.integer({ min: 0, max: rows.length - 1 }), fc.boolean()).map(
        ([i, rehash]) =>
          (r: StoredEvent[]) =>
            r.map((e, k) => {
              if (k !== i) return e;
              const body = e.body.replace('"v":1', '"v":2');
              if (!rehash || k === r.length - 1) return { ...e, body };
              return { ...e, body, hash: eventHashOf(body) };
            }),
      ),
      // Move a row to another sequence number.
      fc
        .integer({ min: 0, max: rows.length - 1 })
        .map(
          (i) => (r: StoredEvent[]) => r.map((e, k) => (k === i ? { ...e, seq: e.seq + 1 } : e)),
        ),
    );
    await fc.assert(
      fc.asyncProperty(edits, async (edit) => {
        const err = await subjectEventsVerified(withIndex(store, edit), SUBJECT).catch((e) => e);
        expect(isDaichoError(err, "STORE_CORRUPT")).toBe(true);
      }),
      { numRuns: 200 },
    );
  });
});
