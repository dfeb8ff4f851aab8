import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { openLedger } from "../ledger";
import { mapRootOf } from "../map/checkpoint-line";
import { memoryMapStore } from "../map/memory-store";
import type { MapStore } from "../map/store";
import { LedgerTree } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { memoryStore } from "../store/memory";
import { sampleInput } from "../testing/fixtures";
import { rebuiltMapRoot } from "../testing/map-reference";
import { parseCheckpoint } from "./checkpoint";
import { emitCheckpoint } from "./emit";
import { type MapOptions, preloadMap } from "./emit-map";
import { parseNote } from "./note";
import { ed25519Signer } from "./signer";
import { mapCheck } from "./verify-map";

const ORIGIN = "kept.test/ledger";
const signer = ed25519Signer(ORIGIN, new Uint8Array(32).fill(6));

type Ledger = Awaited<ReturnType<typeof openLedger>>;

const referenceRoot = rebuiltMapRoot;

function signedRoot(note: string): Uint8Array {
  const text = parseNote(note);
  if (E.isLeft(text)) throw text.left;
  const cp = parseCheckpoint(text.right.text);
  if (E.isLeft(cp)) throw cp.left;
  const line = mapRootOf(cp.right);
  if (E.isLeft(line) || line.right === undefined) throw new Error("no map line");
  return line.right;
}

/**
 * A view of `inner` as another process's map store would be: its own object (so its own
 * kept map), the same records. Counts the records read; `failPut` makes the next
 * `putVersion` throw, before writing (`before`) or after the version is stored (`after`:
 * a connection lost once the commit went through).
 */
function processView(inner: MapStore) {
  let reads = 0;
  let fail: "before" | "after" | undefined;
  let edited = false;
  const store: MapStore = {
    kind: inner.kind,
    latestVersion: () => inner.latestVersion(),
    hasVersion: (v) => inner.hasVersion(v),
    putVersion: async (v, w) => {
      const f = fail;
      fail = undefined;
      if (f === "before") throw new Error("disk full");
      await inner.putVersion(v, w);
      if (f === "after") throw new Error("connection lost");
    },
    readAsOf: async (v, paths) => {
      reads += paths.length;
      return (await inner.readAsOf(v, paths)).map((r) =>
        edited && r?.kind === "leaf"
          ? { ...r, state: { ...r.state, count: r.state.count + 1 } }
          : r,
      );
    },
    versions: () => inner.versions(),
    readVersion: (v) => inner.readVersion(v),
    recordCount: () => inner.recordCount(),
    close: () => inner.close(),
  };
  return {
    store,
    reads: () => reads,
    failPut: (when: "before" | "after") => {
      fail = when;
    },
    edit: () => {
      edited = true;
    },
  };
}

async function setup() {
  const ledger = await openLedger({ store: memoryStore(), ledgerId: ORIGIN });
  const treeStore = memoryTreeStore();
  const inner = memoryMapStore();
  return { ledger, treeStore, inner };
}

/** A ledger of 60 events with two checkpoints, the second extending the map kept by the first. */
async function keptAfterTwo() {
  const { ledger, treeStore, inner } = await setup();
  const tree = await LedgerTree.open(treeStore, ledger.store);
  const view = processView(inner);
  await append(ledger, 30, 0, 50);
  await emitCheckpoint(tree, signer, ORIGIN, { map: view.store });
  await append(ledger, 30, 30, 50);
  await emitCheckpoint(tree, signer, ORIGIN, { map: view.store }); // now kept
  return { ledger, treeStore, inner, tree, view };
}

/** Append `n` events about `subjects` distinct subjects (ids drawn from `pool`). */
async function append(ledger: Ledger, n: number, at: number, pool: number): Promise<void> {
  await ledger.appendBatch(
    Array.from({ length: n }, (_, i) => sampleInput(at + i, `p-${(at + i) % pool}`)),
  );
}

describe("the subject map kept between checkpoints", () => {
  it("reads nothing from the store for paths it holds, and signs the root of the events", async () => {
    const { ledger, treeStore, inner } = await setup();
    const tree = await LedgerTree.open(treeStore, ledger.store);
    const view = processView(inner);
    const options: MapOptions = { map: view.store };
    let at = 0;
    for (let round = 0; round < 5; round++) {
      await append(ledger, 40, at, 150);
      at += 40;
      const before = view.reads();
      const cp = await emitCheckpoint(tree, signer, ORIGIN, options);
      expect(signedRoot(cp.note)).toEqual(await referenceRoot(ledger, at));
      // Round 0 builds the map from the events; round 1 reads the paths of the subjects it
      // names (a new process would too); from then on the kept map holds them.
      if (round >= 2) expect(view.reads() - before).toBe(0);
    }
    // The same figures with nothing kept: every round reads its paths again.
    const cold = processView(inner);
    await append(ledger, 40, at, 150);
    at += 40;
    await emitCheckpoint(tree, signer, ORIGIN, { map: cold.store, keptNodes: 0 });
    await append(ledger, 40, at, 150);
    at += 40;
    const before = cold.reads();
    const cp = await emitCheckpoint(tree, signer, ORIGIN, { map: cold.store, keptNodes: 0 });
    expect(cold.reads() - before).toBeGreaterThan(0);
    expect(signedRoot(cp.note)).toEqual(await referenceRoot(ledger, at));
    const report = await ledger.verify({ also: [await mapCheck(tree.store, { map: inner })] });
    expect(report.ok).toBe(true);
  });

  it("never survives another process's checkpoint: two processes on one store, in any order (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 1 }),
            events: fc.integer({ min: 1, max: 25 }),
            keptNodes: fc.constantFrom(0, 8, 1_000_000),
          }),
          { minLength: 2, maxLength: 8 },
        ),
        async (steps) => {
          const { ledger, treeStore, inner } = await setup();
          // Two processes: each its own tree (over the same stores) and map store object.
          const procs = [
            { tree: await LedgerTree.open(treeStore, ledger.store), view: processView(inner) },
            { tree: await LedgerTree.open(treeStore, ledger.store), view: processView(inner) },
          ];
          let at = 0;
          for (const step of steps) {
            await append(ledger, step.events, at, 60);
            at += step.events;
            const p = procs[step.who] as (typeof procs)[number];
            const cp = await emitCheckpoint(p.tree, signer, ORIGIN, {
              map: p.view.store,
              keptNodes: step.keptNodes,
            });
            expect(signedRoot(cp.note)).toEqual(await referenceRoot(ledger, at));
          }
          const report = await ledger.verify({ also: [await mapCheck(treeStore, { map: inner })] });
          expect(report.ok).toBe(true);
        },
      ),
      { numRuns: 25 },
    );
  });

  it("is not trusted after an orphan version of another process (a map written, its checkpoint lost)", async () => {
    const { ledger, inner } = await setup();
    const base = memoryTreeStore();
    let crash = false;
    const flaky = Object.assign(Object.create(base), {
      putCheckpoint: async (c: Parameters<typeof base.putCheckpoint>[0]) => {
        if (crash) {
          crash = false;
          throw new Error("crash");
        }
        return base.putCheckpoint(c);
      },
    }) as typeof base;
    const a = { tree: await LedgerTree.open(flaky, ledger.store), view: processView(inner) };
    const b = { tree: await LedgerTree.open(flaky, ledger.store), view: processView(inner) };
    await append(ledger, 30, 0, 40);
    await emitCheckpoint(a.tree, signer, ORIGIN, { map: a.view.store });
    await append(ledger, 30, 30, 40);
    crash = true;
    await expect(emitCheckpoint(b.tree, signer, ORIGIN, { map: b.view.store })).rejects.toThrow(
      "crash",
    );
    expect(await inner.latestVersion()).toBe(60);
    await append(ledger, 30, 60, 40);
    const before = a.view.reads();
    const cp = await emitCheckpoint(a.tree, signer, ORIGIN, { map: a.view.store });
    expect(a.view.reads()).toBeGreaterThan(before); // read from the store, not the kept map
    expect(signedRoot(cp.note)).toEqual(await referenceRoot(ledger, 90));
  });

  for (const when of ["before", "after"] as const) {
    it(`stays consistent with the store when putVersion throws ${when} writing`, async () => {
      const { ledger, treeStore, inner, tree, view } = await keptAfterTwo();
      await append(ledger, 30, 60, 50);
      view.failPut(when);
      await expect(emitCheckpoint(tree, signer, ORIGIN, { map: view.store })).rejects.toThrow();
      // Retry at the same size (the version may be stored already), then continue.
      const retry = await emitCheckpoint(tree, signer, ORIGIN, { map: view.store });
      expect(signedRoot(retry.note)).toEqual(await referenceRoot(ledger, 90));
      await append(ledger, 30, 90, 50);
      const next = await emitCheckpoint(tree, signer, ORIGIN, { map: view.store });
      expect(signedRoot(next.note)).toEqual(await referenceRoot(ledger, 120));
      const report = await ledger.verify({ also: [await mapCheck(treeStore, { map: inner })] });
      expect(report.ok).toBe(true);
    });
  }

  it("signs the events' root while the map is kept even when stored records are edited; a new process refuses them", async () => {
    const { ledger, tree, inner, view } = await keptAfterTwo();
    // From now on every stored leaf reads back with another count (an edited store).
    view.edit();
    await append(ledger, 30, 60, 50);
    const cp = await emitCheckpoint(tree, signer, ORIGIN, { map: view.store });
    expect(signedRoot(cp.note)).toEqual(await referenceRoot(ledger, 90));
    const cold = processView(inner);
    cold.edit();
    await append(ledger, 30, 90, 50);
    const e = await emitCheckpoint(tree, signer, ORIGIN, { map: cold.store }).catch((x) => x);
    expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
    expect(await tree.store.latestCheckpoint()).toMatchObject({ size: 90 });
  });
  it("preloadMap warms a new process's kept map; what it loaded is dropped once another process checkpoints", async () => {
    const { ledger, treeStore, inner } = await setup();
    const tree = await LedgerTree.open(treeStore, ledger.store);
    await append(ledger, 60, 0, 30);
    await emitCheckpoint(tree, signer, ORIGIN, { map: inner });
    const fresh = processView(inner);
    const ids = Array.from({ length: 30 }, (_, i) => [`p-${i}`, `p-${i}-co`]).flat();
    expect(await preloadMap(tree, { map: fresh.store }, ids)).toBeGreaterThan(0);
    await append(ledger, 30, 60, 30);
    const before = fresh.reads();
    const cp = await emitCheckpoint(tree, signer, ORIGIN, { map: fresh.store });
    expect(fresh.reads()).toBe(before);
    expect(signedRoot(cp.note)).toEqual(await referenceRoot(ledger, 90));
    // Preloaded, then another process (another map store object) checkpoints first.
    const late = processView(inner);
    await preloadMap(tree, { map: late.store }, ids);
    await append(ledger, 30, 90, 30);
    await emitCheckpoint(tree, signer, ORIGIN, { map: fresh.store });
    await append(ledger, 30, 120, 30);
    const was = late.reads();
    const next = await emitCheckpoint(tree, signer, ORIGIN, { map: late.store });
    expect(late.reads()).toBeGreaterThan(was);
    expect(signedRoot(next.note)).toEqual(await referenceRoot(ledger, 150));
  });
});
