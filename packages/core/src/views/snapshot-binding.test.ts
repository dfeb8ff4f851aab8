import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type Ledger, openLedger } from "../ledger";
import { compilePolicy } from "../policy/config";
import { type DecisionRequest, decide } from "../policy/decide";
import {
  aliceGranted as grant,
  aliceOffboarded as offboard,
  aliceOnboarded as onboard,
  bobOnboarded as other,
  aliceSupportPolicy as policy,
  aliceRead as read,
} from "../policy/test-requests";
import { memoryStore } from "../store/memory";
import type { Store } from "../store/store";
import { Projector } from "./projector";
import { deriveSnapshotKey } from "./snapshot";
import { ACTORS, historyArb, PURPOSES, resealSnapshot, SUBJECTS, T0 } from "./test-history";

// Attacks by someone who can write the snapshot file but does not hold the host's secret.
const LEDGER = "snapbind.test/ledger";
const SECRET = new Uint8Array(32).fill(3);
const KEY = deriveSnapshotKey(SECRET, LEDGER);
const ATTACKER_KEY = new Uint8Array(32).fill(66);

/** A ledger where alice was granted read, then offboarded; `before` is a keyed snapshot from before. */
async function offboardedLedger(ledgerId = LEDGER, key = KEY) {
  const ledger = await openLedger({ store: memoryStore(), ledgerId });
  const p = await Projector.start({ ledger, snapshotKey: key });
  await ledger.appendBatch([onboard, grant]);
  const before = p.snapshot();
  expect(decide(p.views, policy, read).allowed).toBe(true);
  await ledger.appendBatch([offboard, other]);
  expect(decide(p.views, policy, read).allowed).toBe(false);
  const after = p.snapshot();
  p.stop();
  return { ledger, before, after };
}

/** Restart a projector from `snapshot` under `key` (null: without a key). */
async function restart(ledger: Ledger, snapshot: string, key: Uint8Array | null = KEY) {
  const errors: unknown[] = [];
  const p = await Projector.start({
    ledger,
    snapshot,
    ...(key === null ? {} : { snapshotKey: key }),
    onError: (e) => errors.push(e),
  });
  p.stop();
  return { p, errors };
}

type Parsed = Record<string, unknown> & { views: unknown; seq: number; hash: string | null };

describe("a restored snapshot never outvotes the ledger", () => {
  it("refuses edited views whose unkeyed tag was recomputed, and decides from the ledger", async () => {
    const { ledger, before, after } = await offboardedLedger();
    // The current header with the views from before the offboarding, re-hashed without a key.
    const forged = resealSnapshot({
      ...(JSON.parse(after) as Parsed),
      views: JSON.parse(before).views,
    });
    const { p, errors } = await restart(ledger, forged);
    expect(p.restore).toMatchObject({ status: "rebuilt", reason: { code: "STORE_CORRUPT" } });
    expect(errors).toMatchObject([{ code: "STORE_CORRUPT" }]);
    expect(decide(p.views, policy, read).reasons).toContain("actor-offboarded");
    // The same edit MACed under the attacker's own key: also refused.
    const own = resealSnapshot(
      { ...(JSON.parse(after) as Parsed), views: JSON.parse(before).views },
      ATTACKER_KEY,
    );
    const second = await restart(ledger, own);
    expect(second.p.restore).toMatchObject({
      status: "rebuilt",
      reason: { code: "STORE_CORRUPT" },
    });
    expect(decide(second.p.views, policy, read).allowed).toBe(false);
    // A single edited view byte under the original tag.
    const flipped = after.replace('"alice"', '"alicf"');
    expect(flipped).not.toBe(after);
    expect((await restart(ledger, flipped)).p.restore.status).toBe("rebuilt");
  });

  it("refuses a header moved to a later real event, so the offboarding between is folded", async () => {
    const { ledger, before } = await offboardedLedger();
    const head = await ledger.head();
    if (head === null) throw new Error("empty ledger");
    // Point the pre-offboarding snapshot at the last (real, correctly hashed) event.
    const moved = before
      .replace(/"seq":\d+/, `"seq":${head.seq}`)
      .replace(/"hash":"[0-9a-f]{64}"/, `"hash":"${head.hash}"`);
    expect(JSON.parse(moved)).toMatchObject({ seq: head.seq, hash: head.hash });
    const { p } = await restart(ledger, moved);
    expect(p.restore).toMatchObject({ status: "rebuilt", reason: { code: "STORE_CORRUPT" } });
    expect(p.views.at).toEqual({ seq: head.seq, hash: head.hash });
    expect(decide(p.views, policy, read).reasons).toContain("actor-offboarded");
    // The honest snapshot restores, and the projector continues from exactly its event.
    const honest = await restart(ledger, before);
    expect(honest.p.restore).toEqual({ status: "restored", seq: 1 });
    expect(decide(honest.p.views, policy, read).reasons).toContain("actor-offboarded");
  });

  it("refuses another ledger's snapshot even with its ledger id and head rewritten", async () => {
    const victim = await offboardedLedger();
    const elsewhere = await openLedger({ store: memoryStore(), ledgerId: "other.test/ledger" });
    const otherKey = deriveSnapshotKey(SECRET, "other.test/ledger"); // same host secret
    const q = await Projector.start({ ledger: elsewhere, snapshotKey: otherKey });
    await elsewhere.appendBatch([onboard, grant, other, other]);
    const head = await victim.ledger.head();
    if (head === null) throw new Error("empty ledger");
    const parsed = JSON.parse(q.snapshot()) as Parsed;
    q.stop();
    const text = JSON.stringify({ ...parsed, ledgerId: LEDGER, seq: head.seq, hash: head.hash });
    const { p } = await restart(victim.ledger, text);
    expect(p.restore).toMatchObject({ status: "rebuilt", reason: { code: "STORE_CORRUPT" } });
    expect(decide(p.views, policy, read).allowed).toBe(false);
    // Unedited, it names the other ledger.
    const plain = await restart(victim.ledger, JSON.stringify(parsed));
    expect(plain.p.restore).toMatchObject({ reason: { code: "LEDGER_MISMATCH" } });
  });

  it("refuses every truncation of a snapshot and rebuilds", async () => {
    const { ledger, before } = await offboardedLedger();
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 0, max: before.length - 1 }), async (cut) => {
        const { p } = await restart(ledger, before.slice(0, cut));
        expect(p.restore.status).toBe("rebuilt");
        expect(decide(p.views, policy, read).allowed).toBe(false);
      }),
      { numRuns: 100 },
    );
  });

  it("refuses a wrong key, a missing key and an unkeyed snapshot unless trusted explicitly", async () => {
    const { ledger, before } = await offboardedLedger();
    const wrong = await restart(ledger, before, deriveSnapshotKey(SECRET, "another/ledger"));
    expect(wrong.p.restore).toMatchObject({ status: "rebuilt", reason: { code: "STORE_CORRUPT" } });
    const none = await restart(ledger, before, null);
    expect(none.p.restore).toMatchObject({
      status: "rebuilt",
      reason: { code: "KEY_UNAVAILABLE" },
    });
    const unkeyed = resealSnapshot(JSON.parse(before) as Parsed);
    expect((await restart(ledger, unkeyed, null)).p.restore).toMatchObject({
      reason: { code: "STORE_CORRUPT", path: "$.auth" },
    });
    // Downgrade: an unkeyed file where a key is expected is refused even when trusted.
    const downgraded = await Projector.start({
      ledger,
      snapshot: unkeyed,
      snapshotKey: KEY,
      trustUnkeyedSnapshot: true,
      onError: () => {},
    });
    downgraded.stop();
    expect(downgraded.restore.status).toBe("rebuilt");
    const trusted = await Projector.start({
      ledger,
      snapshot: unkeyed,
      trustUnkeyedSnapshot: true,
    });
    trusted.stop();
    expect(trusted.restore).toEqual({ status: "restored", seq: 1 });
    expect(decide(trusted.views, policy, read).allowed).toBe(false);
  });

  it("folds after a restore only events that hash and link to the snapshot's event", async () => {
    const { ledger, before } = await offboardedLedger();
    // The store answers with the offboarding's row edited (a careless or hostile operator).
    const base = ledger.store;
    const store = new Proxy(base, {
      get(target, prop) {
        if (prop !== "read") return Reflect.get(target, prop, target);
        return async function* (range?: Parameters<Store["read"]>[0]) {
          for await (const e of target.read(range)) {
            yield e.seq === 2 ? { ...e, body: e.body.replace('"alice"', '"alicf"') } : e;
          }
        };
      },
    }) as Store;
    const hostile = await openLedger({ store, ledgerId: LEDGER });
    await expect(
      Projector.start({ ledger: hostile, snapshot: before, snapshotKey: KEY }),
    ).rejects.toMatchObject({ code: "STORE_CORRUPT", path: "seq 2" });
  });
});

describe("restore(save(views)) then the rest = folding everything (property)", () => {
  const purposes = Object.fromEntries(
    PURPOSES.map((p) => [p, { basis: "legitimate-interests" as const, perSubject: false }]),
  );
  const p2 = compilePolicy({ purposes, requireKnownResource: false });
  const requests: DecisionRequest[] = ACTORS.flatMap((actor) =>
    SUBJECTS.flatMap((s) =>
      PURPOSES.map((purpose) => ({
        actor,
        action: "read" as const,
        resource: { type: "contact", id: s },
        purpose,
        subjects: [s],
        context: { at: T0 + 40 * 24 * 3_600_000 },
      })),
    ),
  );
  it("gives the same decisions", async () => {
    await fc.assert(
      fc.asyncProperty(historyArb, fc.nat(), async (inputs, cutSeed) => {
        const ledger = await openLedger({ store: memoryStore(), ledgerId: LEDGER });
        const cut = cutSeed % (inputs.length + 1);
        const live = await Projector.start({ ledger, snapshotKey: KEY });
        if (cut > 0) await ledger.appendBatch(inputs.slice(0, cut));
        const saved = live.snapshot();
        if (cut < inputs.length) await ledger.appendBatch(inputs.slice(cut));
        const restored = await Projector.start({ ledger, snapshot: saved, snapshotKey: KEY });
        expect(restored.restore).toEqual({ status: "restored", seq: cut - 1 });
        const all = await Projector.start({ ledger });
        for (const r of requests) {
          expect(decide(restored.views, p2, r)).toEqual(decide(all.views, p2, r));
        }
        expect(restored.views.at).toEqual(all.views.at);
        for (const x of [live, restored, all]) x.stop();
      }),
      { numRuns: 60 },
    );
  });
});
