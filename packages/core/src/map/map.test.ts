import { createHash } from "node:crypto";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { EMPTY, type MapState, mapKey } from "./hash";
import { memoryMapStore } from "./memory-store";
import { type MapProof, verifyMapProof } from "./proof";
import { mapPath } from "./record";
import { extendStoredMap, SubjectDeltas, storedMapProofs } from "./stored";
import { SubjectMap } from "./subject-map";

/** The spec's definition (§12.2) written again with Node's SHA-256, sharing no code. */
const H = (tag: string, ...parts: Uint8Array[]) => {
  const h = createHash("sha256").update(tag).update(Uint8Array.of(0));
  for (const p of parts) h.update(p);
  return new Uint8Array(h.digest());
};
const u64 = (n: number) => {
  const b = Buffer.alloc(8);
  b.writeBigUInt64BE(BigInt(n));
  return b;
};
const refKey = (s: string) => H("daicho/map-key/v1", Buffer.from(s, "utf8"));
const refValue = (st: MapState) =>
  H("daicho/map-value/v1", u64(st.count), u64(st.lastSeq), Buffer.from(st.lastHash, "hex"));
const bitOf = (k: Uint8Array, i: number) => ((k[i >> 3] as number) >> (7 - (i % 8))) & 1;
function refHash(t: { k: Uint8Array; vh: Uint8Array }[], d: number): Uint8Array {
  if (t.length === 0) return new Uint8Array(32);
  if (t.length === 1)
    return H("daicho/map-leaf/v1", (t[0] as { k: Uint8Array }).k, (t[0] as { vh: Uint8Array }).vh);
  return H(
    "daicho/map-node/v1",
    refHash(
      t.filter((x) => bitOf(x.k, d) === 0),
      d + 1,
    ),
    refHash(
      t.filter((x) => bitOf(x.k, d) === 1),
      d + 1,
    ),
  );
}
const refRoot = (states: Map<string, MapState>) =>
  refHash(
    [...states].map(([s, st]) => ({ k: refKey(s), vh: refValue(st) })),
    0,
  );

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const stateArb = fc.record({
  count: fc.integer({ min: 1, max: 2 ** 40 }),
  lastSeq: fc.integer({ min: 0, max: 2 ** 52 }),
  lastHash: fc.uint8Array({ minLength: 32, maxLength: 32 }).map(hex),
});
const subjectArb = fc.stringMatching(/^[a-z0-9][a-z0-9-]{0,12}$/);
/** A sequence of updates (subject, state), with repeats, in random order. */
const updatesArb = fc.array(fc.tuple(subjectArb, stateArb), { maxLength: 60 });

function build(updates: readonly [string, MapState][]) {
  const map = new SubjectMap();
  const states = new Map<string, MapState>();
  for (const [s, st] of updates) {
    map.set(mapKey(s), st);
    states.set(s, st);
  }
  return { map, states };
}

describe("subject map (spec §12.2)", () => {
  it("has the root the spec's definition gives, whatever the order of updates", () => {
    fc.assert(
      fc.property(updatesArb, (updates) => {
        const { map, states } = build(updates);
        expect(hex(map.root())).toBe(hex(refRoot(states)));
        // Rehashing only marked nodes after further updates still agrees.
        const { map: again } = build([...updates].reverse());
        const last = new Map(updates.map(([s, st]) => [s, st]));
        const rev = new Map([...updates].reverse().map(([s, st]) => [s, st]));
        if ([...last].every(([s, st]) => rev.get(s) === st))
          expect(hex(again.root())).toBe(hex(map.root()));
      }),
    );
  });

  it("is EMPTY for no subject and the lone leaf for one", () => {
    expect(new SubjectMap().root()).toEqual(EMPTY);
    const st = { count: 1, lastSeq: 0, lastHash: "00".repeat(32) };
    const { map, states } = build([["c-1", st]]);
    expect(hex(map.root())).toBe(hex(refRoot(states)));
  });

  it("proves every member's state and every other id's absence", () => {
    fc.assert(
      fc.property(updatesArb, fc.array(subjectArb, { maxLength: 10 }), (updates, others) => {
        const { map, states } = build(updates);
        const root = map.root();
        for (const [s, st] of states) {
          const got = verifyMapProof(root, mapKey(s), map.prove(mapKey(s)));
          expect(E.isRight(got) && got.right).toEqual(st);
        }
        for (const s of others.filter((o) => !states.has(o))) {
          const proof = map.prove(mapKey(s));
          expect(proof.end.kind).not.toBe("member");
          const got = verifyMapProof(root, mapKey(s), proof);
          expect(E.isRight(got) && got.right).toBeUndefined();
        }
      }),
    );
  });

  it("rejects every altered proof: a sibling, the state, the key, a dropped or added sibling, a non-membership claim for a member", () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(subjectArb, stateArb), { minLength: 2, maxLength: 40 }),
        fc.nat(),
        (updates, pick) => {
          const { map, states } = build(updates);
          const root = map.root();
          const subjects = [...states.keys()];
          const s = subjects[pick % subjects.length] as string;
          const key = mapKey(s);
          const proof = map.prove(key);
          const st = states.get(s) as MapState;
          const bad: MapProof[] = [];
          if (proof.siblings.length > 0) {
            const flipped = proof.siblings.map((x) => Uint8Array.from(x));
            const first = flipped[0] as Uint8Array;
            first[0] = (first[0] as number) ^ 1;
            bad.push({ ...proof, siblings: flipped });
            bad.push({ ...proof, siblings: proof.siblings.slice(1) });
            bad.push({ ...proof, siblings: proof.siblings.slice(0, -1) });
          }
          bad.push({ ...proof, siblings: [...proof.siblings, new Uint8Array(32).fill(7)] });
          bad.push({ ...proof, end: { kind: "member", state: { ...st, count: st.count + 1 } } });
          bad.push({
            ...proof,
            end: { kind: "member", state: { ...st, lastSeq: st.lastSeq ^ 1 } },
          });
          bad.push({ ...proof, end: { kind: "empty" } });
          for (const p of bad) expect(E.isLeft(verifyMapProof(root, key, p))).toBe(true);
          // The proof of one subject is no proof for another key.
          const other = subjects.find((x) => x !== s);
          if (other !== undefined)
            expect(E.isLeft(verifyMapProof(root, mapKey(other), proof))).toBe(true);
        },
      ),
    );
  });

  it("refuses a non-membership proof that names the key itself, or a key off its path", () => {
    const { map } = build([
      ["a", { count: 1, lastSeq: 0, lastHash: "11".repeat(32) }],
      ["b", { count: 2, lastSeq: 5, lastHash: "22".repeat(32) }],
    ]);
    const root = map.root();
    const proof = map.prove(mapKey("a"));
    const vh = new Uint8Array(32).fill(9);
    const own: MapProof = {
      siblings: proof.siblings,
      end: { kind: "other", key: mapKey("a"), valueHash: vh },
    };
    expect(E.isLeft(verifyMapProof(root, mapKey("a"), own))).toBe(true);
    const far = Uint8Array.from(mapKey("a"));
    far[0] = (far[0] as number) ^ 0x80;
    const off: MapProof = {
      siblings: proof.siblings,
      end: { kind: "other", key: far, valueHash: vh },
    };
    const r = verifyMapProof(root, mapKey("a"), off);
    expect(E.isLeft(r) && r.left.code).toBe("PROOF_INVALID");
  });

  it("bounds a hostile proof before hashing: more than 256 siblings or a wrong-length hash", () => {
    const root = new Uint8Array(32);
    const key = mapKey("x");
    const many = {
      siblings: Array.from({ length: 257 }, () => new Uint8Array(32)),
      end: { kind: "empty" },
    } as MapProof;
    expect(E.isLeft(verifyMapProof(root, key, many))).toBe(true);
    const short = { siblings: [new Uint8Array(31)], end: { kind: "empty" } } as MapProof;
    expect(E.isLeft(verifyMapProof(root, key, short))).toBe(true);
    const notBytes = { siblings: ["AAAA"], end: { kind: "empty" } } as unknown as MapProof;
    expect(E.isLeft(verifyMapProof(root, key, notBytes))).toBe(true);
  });
});

describe("stored subject map (spec §12.9)", () => {
  it("extends version by version to the same roots as the in-memory map, and proves at every old version", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(fc.tuple(subjectArb, stateArb), { minLength: 1, maxLength: 30 }), {
          minLength: 1,
          maxLength: 5,
        }),
        async (rounds) => {
          const store = memoryMapStore();
          const reference = new SubjectMap();
          const counts = new Map<string, MapState>();
          const versions: { version: number; root: Uint8Array; states: Map<string, MapState> }[] =
            [];
          let base: { version: number; root: Uint8Array } | undefined;
          let seq = 0;
          for (const round of rounds) {
            const deltas = new SubjectDeltas();
            for (const [s] of round) {
              const h = hex(H("e", u64(seq)));
              deltas.add([{ id: s }], seq, h);
              const c = (counts.get(s)?.count ?? 0) + 1;
              const st = { count: c, lastSeq: seq, lastHash: h };
              counts.set(s, st);
              reference.set(mapKey(s), st);
              seq++;
            }
            const version = seq;
            const root = await extendStoredMap(store, base, deltas.bySubject, version);
            expect(hex(root)).toBe(hex(reference.root()));
            base = { version, root };
            versions.push({ version, root, states: new Map(counts) });
          }
          for (const v of versions) {
            const subjects = [...counts.keys()];
            const proofs = await storedMapProofs(store, v, subjects);
            subjects.forEach((s, i) => {
              const got = verifyMapProof(v.root, mapKey(s), proofs[i] as MapProof);
              expect(E.isRight(got) && got.right).toEqual(v.states.get(s));
            });
          }
        },
      ),
      { numRuns: 40 },
    );
  });

  it("fails closed (STORE_CORRUPT) on a stored record that does not hash to what its parent names", async () => {
    const store = memoryMapStore();
    const deltas = new SubjectDeltas();
    for (let i = 0; i < 50; i++) deltas.add([{ id: `c-${i}` }], i, "ab".repeat(32));
    const root = await extendStoredMap(store, undefined, deltas.bySubject, 50);
    // An operator edits c-7's stored leaf (its count) in a later version.
    const proofs = await storedMapProofs(store, { version: 50, root }, ["c-7"]);
    const depth = (proofs[0] as MapProof).siblings.length;
    await store.putVersion(51, [
      {
        path: mapPath(depth, mapKey("c-7")),
        record: {
          kind: "leaf",
          key: mapKey("c-7"),
          state: { count: 99, lastSeq: 7, lastHash: "ab".repeat(32) },
        },
      },
    ]);
    const e = await storedMapProofs(store, { version: 51, root }, ["c-7"]).catch((x) => x);
    expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
    const more = new SubjectDeltas();
    more.add([{ id: "c-7" }], 60, "cd".repeat(32));
    const e2 = await extendStoredMap(store, { version: 51, root }, more.bySubject, 61).catch(
      (x) => x,
    );
    expect(isDaichoError(e2, "STORE_CORRUPT")).toBe(true);
  });
});
