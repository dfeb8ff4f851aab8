import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { sealBody } from "./chain";
import type { StoredEvent } from "./events/envelope";
import { openLedger } from "./ledger";
import { memoryStore } from "./store/memory";
import { keyHash, SubjectTallies } from "./subject-tallies";
import { sampleInput } from "./testing/fixtures";
import { verifyEvents } from "./verify";

/**
 * The link check as `verify` ran it before `SubjectTallies`: one `Map` entry per subject.
 * The reference the table is held equal to.
 */
class ReferenceTallies {
  readonly heads = new Map<string, { seq: number; hash: string; count: number; first: number }>();

  link(id: string, prevSeq: unknown, prevHash: unknown, seq: number, hash: string): boolean {
    const head = this.heads.get(id);
    const ok =
      head === undefined
        ? prevSeq === undefined && prevHash === undefined
        : prevSeq === head.seq && prevHash === head.hash;
    if (!ok) return false;
    if (head === undefined) this.heads.set(id, { seq, hash, count: 1, first: seq });
    else {
      head.seq = seq;
      head.hash = hash;
      head.count++;
    }
    return true;
  }
}

function expectSameState(table: SubjectTallies, ref: ReferenceTallies): void {
  expect(table.size).toBe(ref.heads.size);
  let e = 0;
  // Entries are numbered in order of first appearance, as a Map iterates.
  for (const [id, head] of ref.heads) {
    expect(table.find(id)).toBe(e);
    expect(table.id(e)).toBe(id);
    expect([table.lastSeq(e), table.lastHash(e), table.count(e), table.first(e)]).toEqual([
      head.seq,
      head.hash,
      head.count,
      head.first,
    ]);
    e++;
  }
}

const hex64 = fc.stringMatching(/^[0-9a-f]{64}$/);
/** Short ids from a small pool (so subjects repeat), non-ASCII and long ones included. */
const subjectId = fc.oneof(
  fc.constantFrom("a", "b", "", "contact-1", "contact-10", "é", "😀", "ü-ü", "x".repeat(300)),
  fc.string({ maxLength: 4 }),
  fc.string({ unit: "binary", maxLength: 6 }),
);

/** Two distinct ids with the same `keyHash` (a birthday search over `k-<n>`). */
function collidingPair(): [string, string] {
  const seen = new Map<number, string>();
  const bytes = new TextEncoder();
  for (let n = 0; ; n++) {
    const id = `k-${n}`;
    const b = bytes.encode(id);
    const h = keyHash(b, b.length);
    const other = seen.get(h);
    if (other !== undefined) return [other, id];
    seen.set(h, id);
  }
}

describe("SubjectTallies", () => {
  it("answers every back-link as the Map-based check did, and ends in the same state (property)", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            id: subjectId,
            // How the link is drawn: as an honest writer would, or wrong in one way.
            how: fc.constantFrom("honest", "honest", "honest", "seq", "hash", "none", "junk"),
            hash: hex64,
            junk: fc.oneof(
              fc.string(),
              fc.integer(),
              fc.constant(null),
              hex64.map((h) => h.toUpperCase()),
            ),
          }),
          { maxLength: 400 },
        ),
        (ops) => {
          const table = new SubjectTallies();
          const ref = new ReferenceTallies();
          ops.forEach((op, seq) => {
            const head = ref.heads.get(op.id);
            let prevSeq: unknown = head?.seq;
            let prevHash: unknown = head?.hash;
            if (op.how === "seq") prevSeq = head === undefined ? 0 : head.seq - 1;
            if (op.how === "hash") prevHash = op.hash;
            if (op.how === "none") [prevSeq, prevHash] = [undefined, undefined];
            if (op.how === "junk") [prevSeq, prevHash] = [op.junk, op.junk];
            const expected = ref.link(op.id, prevSeq, prevHash, seq, op.hash);
            expect(table.link(op.id, prevSeq, prevHash, seq, op.hash)).toBe(expected);
          });
          expectSameState(table, ref);
          expectSameState(table.copy(), ref);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("keeps ids whose hashes collide apart (exact comparison), across growth", () => {
    const [a, b] = collidingPair();
    const table = new SubjectTallies();
    const ref = new ReferenceTallies();
    const h = (n: number) => n.toString(16).padStart(64, "0");
    let seq = 0;
    for (const id of [a, b]) expect(table.link(id, undefined, undefined, seq, h(seq++))).toBe(true);
    // A link to the other subject's head is wrong, whatever the hash says.
    expect(table.link(b, 0, h(0), seq, h(seq))).toBe(false);
    // Enough other subjects to double the table several times.
    ref.link(a, undefined, undefined, 0, h(0));
    ref.link(b, undefined, undefined, 1, h(1));
    for (let i = 0; i < 5000; i++) {
      const id = i % 3 === 0 ? a : i % 3 === 1 ? b : `s-${i}`;
      const head = ref.heads.get(id);
      const [prevSeq, prevHash] = [head?.seq, head?.hash];
      expect(table.link(id, prevSeq, prevHash, seq, h(seq))).toBe(true);
      expect(ref.link(id, prevSeq, prevHash, seq, h(seq))).toBe(true);
      seq++;
    }
    expect(table.find(a)).not.toBe(table.find(b));
    expectSameState(table, ref);
  });

  it("copy() is independent of the original", () => {
    const table = new SubjectTallies();
    const h = "0".repeat(64);
    table.link("a", undefined, undefined, 0, h);
    const copy = table.copy();
    expect(copy.link("a", 0, h, 1, "1".repeat(64))).toBe(true);
    expect(table.lastSeq(table.find("a"))).toBe(0);
    expect(copy.lastSeq(copy.find("a"))).toBe(1);
  });
});

// ---- verify on tampered ledgers: the same verdict as the Map-based link check ----

const LEDGER_ID = "subject-tallies.test/ledger";

async function history(n: number, subjects: number) {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId: LEDGER_ID });
  await ledger.appendBatch(
    Array.from({ length: n }, (_, i) => sampleInput(i, `c-${(i * 7) % subjects}`)),
  );
  const events: StoredEvent[] = [];
  for await (const e of store.read()) events.push(e);
  return { events, genesis: ledger.genesis };
}

type Link = { id: string; prevSeq?: number; prevHash?: string };
type Body = Record<string, unknown> & { subjects?: Link[] };

/**
 * Re-number and re-seal every body in order, so sequence numbers and the `prevHash` chain
 * hold and only the subject back-links can be wrong: an attacker with write access.
 */
function resealed(bodies: readonly Body[], genesis: string): StoredEvent[] {
  let prev = genesis;
  return bodies.map((b, seq) => {
    const e = sealBody({ ...structuredClone(b), seq, prevHash: prev } as never);
    prev = e.hash;
    return e;
  });
}

type Tamper =
  | { kind: "drop" | "duplicate"; at: number; to: number }
  | { kind: "reorder"; at: number; to: number }
  | { kind: "wrong-seq" | "wrong-hash" | "no-link" | "move"; at: number; to: number };

function tampered(bodies: readonly Body[], t: Tamper): Body[] {
  const out = bodies.map((b) => structuredClone(b));
  const i = t.at % out.length;
  const j = t.to % out.length;
  const links = (out[i] as Body).subjects ?? [];
  const link = links[t.to % Math.max(1, links.length)];
  switch (t.kind) {
    case "drop":
      out.splice(i, 1);
      break;
    case "duplicate":
      out.splice(j, 0, structuredClone(out[i] as Body));
      break;
    case "reorder":
      [out[i], out[j]] = [out[j] as Body, out[i] as Body];
      break;
    case "wrong-seq":
      if (link !== undefined) link.prevSeq = (link.prevSeq ?? 0) + 1;
      break;
    case "wrong-hash":
      if (link !== undefined) link.prevHash = "f".repeat(64);
      break;
    case "no-link":
      if (link !== undefined) {
        delete link.prevSeq;
        delete link.prevHash;
      }
      break;
    case "move":
      // The event now names another subject, back-links unchanged.
      if (link !== undefined) link.id = `c-${t.to % 7}`;
      break;
  }
  return out;
}

/** The verdict the Map-based check gives on resealed bodies: the first broken link, or none. */
function referenceVerdict(events: readonly StoredEvent[]) {
  const ref = new ReferenceTallies();
  for (const e of events) {
    const body = JSON.parse(e.body) as Body;
    for (const l of body.subjects ?? []) {
      if (!ref.link(l.id, l.prevSeq, l.prevHash, e.seq, e.hash)) {
        return { ok: false, count: e.seq, seq: e.seq, kind: "subject-link-broken" };
      }
    }
  }
  return { ok: true, count: events.length };
}

async function* iterate(events: readonly StoredEvent[]) {
  yield* events;
}

describe("verify's link check on SubjectTallies", () => {
  it("gives the Map-based check's verdict on random tampered ledgers (property)", async () => {
    const ledgers = await Promise.all([history(40, 5), history(120, 30), history(300, 200)]);
    await fc.assert(
      fc.asyncProperty(
        fc.nat(ledgers.length - 1),
        fc.array(
          fc.record({
            kind: fc.constantFrom(
              "drop",
              "duplicate",
              "reorder",
              "wrong-seq",
              "wrong-hash",
              "no-link",
              "move",
            ),
            at: fc.nat(),
            to: fc.nat(),
          }) as fc.Arbitrary<Tamper>,
          { maxLength: 2 },
        ),
        async (which, tampers) => {
          const { events, genesis } = ledgers[which] as (typeof ledgers)[number];
          let bodies = events.map((e) => JSON.parse(e.body) as Body);
          for (const t of tampers) bodies = tampered(bodies, t);
          const stored = resealed(bodies, genesis);
          const r = await verifyEvents(iterate(stored), genesis);
          const got = r.ok
            ? { ok: true, count: r.count }
            : { ok: false, count: r.count, seq: r.failure.seq, kind: r.failure.kind };
          expect(got).toEqual(referenceVerdict(stored));
          if (tampers.length === 0) expect(r.ok).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
