import type * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { openLedger } from "../ledger";
import { mapLine, mapRootOf } from "../map/checkpoint-line";
import { mapKey } from "../map/hash";
import { memoryMapStore } from "../map/memory-store";
import type { MapStore } from "../map/store";
import { SubjectMap } from "../map/subject-map";
import { LedgerTree } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import type { TreeStore } from "../merkle/tree-store";
import { memoryStore } from "../store/memory";
import { sampleInputs } from "../testing/fixtures";
import { rebuiltMapRoot } from "../testing/map-reference";
import { formatCheckpoint, parseCheckpoint } from "./checkpoint";
import { emitCheckpoint } from "./emit";
import { formatNote, parseNote, signNote } from "./note";
import { ed25519Signer } from "./signer";
import { mapCheck } from "./verify-map";
import { treeCheck } from "./verify-tree";

const ORIGIN = "map.test/ledger";
const signer = ed25519Signer(ORIGIN, new Uint8Array(32).fill(4));

async function setup(treeStore: TreeStore = memoryTreeStore()) {
  const ledger = await openLedger({ store: memoryStore(), ledgerId: ORIGIN });
  const tree = await LedgerTree.open(treeStore, ledger.store);
  return { ledger, tree, treeStore };
}

/** The map root of events [0, size), recomputed from the bodies. */
const referenceRoot = rebuiltMapRoot;

const rootOf = (note: string) => {
  const cp = parseCheckpoint((parseNote(note) as E.Right<{ text: string }>).right.text);
  const line = mapRootOf((cp as E.Right<never>).right);
  return (line as E.Right<Uint8Array>).right;
};

/** A map store that counts the records it is asked for. */
function counting(inner: MapStore) {
  let reads = 0;
  const store: MapStore = {
    kind: inner.kind,
    latestVersion: () => inner.latestVersion(),
    hasVersion: (v) => inner.hasVersion(v),
    putVersion: (v, w) => inner.putVersion(v, w),
    readAsOf: (v, paths) => {
      reads += paths.length;
      return inner.readAsOf(v, paths);
    },
    versions: () => inner.versions(),
    readVersion: (v) => inner.readVersion(v),
    recordCount: () => inner.recordCount(),
    close: () => inner.close(),
  };
  return { store, reads: () => reads };
}

describe("checkpoint emission with the subject map (spec §12.3)", () => {
  it("signs the map root of exactly the events it covers, extending the stored map by the subjects named since", async () => {
    const { ledger, tree } = await setup();
    const { store: map, reads } = counting(memoryMapStore());
    const sizes: number[] = [];
    for (let round = 0; round < 4; round++) {
      await ledger.appendBatch(sampleInputs(60, round * 60));
      const before = reads();
      const cp = await emitCheckpoint(tree, signer, ORIGIN, { map });
      sizes.push(cp.size);
      expect(rootOf(cp.note)).toEqual(await referenceRoot(ledger, cp.size));
      // The ledger has ~200 subjects; one round names at most 120, and reads stay on their paths.
      if (round > 0) expect(reads() - before).toBeLessThan(120 * 12);
    }
    const report = await ledger.verify({
      also: [await treeCheck(tree.store, { origin: ORIGIN }), await mapCheck(tree.store, { map })],
    });
    expect(report.ok && report.checked).toEqual(
      expect.arrayContaining(["subject-map", "map-store"]),
    );
  });

  it("gives the same root when a new process (an empty in-memory map store) continues, rebuilding from the events", async () => {
    const { ledger, tree, treeStore } = await setup();
    await ledger.appendBatch(sampleInputs(50));
    await emitCheckpoint(tree, signer, ORIGIN, { map: memoryMapStore() });
    await ledger.appendBatch(sampleInputs(30, 50));
    const again = await LedgerTree.open(treeStore, ledger.store);
    const cp = await emitCheckpoint(again, signer, ORIGIN);
    expect(rootOf(cp.note)).toEqual(await referenceRoot(ledger, 80));
  });

  it("continues after a crash between storing the map and storing the checkpoint", async () => {
    const base = memoryTreeStore();
    let fail = false;
    const flaky: TreeStore = Object.assign(Object.create(base), {
      putCheckpoint: async (c: Parameters<TreeStore["putCheckpoint"]>[0]) => {
        if (fail) {
          fail = false;
          throw new Error("crash");
        }
        return base.putCheckpoint(c);
      },
    });
    const { ledger, tree } = await setup(flaky);
    const map = memoryMapStore();
    await ledger.appendBatch(sampleInputs(20));
    await emitCheckpoint(tree, signer, ORIGIN, { map });
    await ledger.appendBatch(sampleInputs(20, 20));
    fail = true;
    expect(await emitCheckpoint(tree, signer, ORIGIN, { map }).catch((e) => e.message)).toBe(
      "crash",
    );
    expect(await map.latestVersion()).toBe(40); // the orphan version
    const same = await emitCheckpoint(tree, signer, ORIGIN, { map });
    expect(rootOf(same.note)).toEqual(await referenceRoot(ledger, 40));
    await ledger.appendBatch(sampleInputs(20, 40));
    const later = await emitCheckpoint(tree, signer, ORIGIN, { map });
    expect(rootOf(later.note)).toEqual(await referenceRoot(ledger, 60));
    expect((await ledger.verify({ also: [await mapCheck(tree.store, { map })] })).ok).toBe(true);
  });

  it("rebuilds the map once after a checkpoint signed before the map existed, and verify accepts that checkpoint", async () => {
    const { ledger, tree } = await setup();
    await ledger.appendBatch(sampleInputs(25));
    await tree.catchUp();
    const text = formatCheckpoint({ origin: ORIGIN, size: 25, root: await tree.root(25) });
    await tree.store.putCheckpoint({
      size: 25,
      note: formatNote(await signNote(text, [signer])),
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    await ledger.appendBatch(sampleInputs(10, 25));
    const cp = await emitCheckpoint(tree, signer, ORIGIN, { map: memoryMapStore() });
    expect(rootOf(cp.note)).toEqual(await referenceRoot(ledger, 35));
    expect((await ledger.verify({ also: [await mapCheck(tree.store)] })).ok).toBe(true);
  });

  it("refuses to sign over stored map records that were edited (STORE_CORRUPT) when a new process reads them", async () => {
    const { ledger, tree } = await setup();
    const inner = memoryMapStore();
    let edit = false;
    // One map store object per process: the second is a new process (nothing kept in memory).
    const inProcess = (): MapStore => ({
      ...counting(inner).store,
      readAsOf: async (v, paths) =>
        (await inner.readAsOf(v, paths)).map((r) =>
          edit && r?.kind === "leaf"
            ? { ...r, state: { ...r.state, count: r.state.count + 1 } }
            : r,
        ),
    });
    await ledger.appendBatch(sampleInputs(40));
    await emitCheckpoint(tree, signer, ORIGIN, { map: inProcess() });
    await ledger.appendBatch(sampleInputs(40, 40));
    edit = true;
    const e = await emitCheckpoint(tree, signer, ORIGIN, { map: inProcess() }).catch((x) => x);
    expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
    expect(await tree.store.latestCheckpoint()).toMatchObject({ size: 40 });
  });
});

describe("verify and the subject map", () => {
  it("reports a checkpoint whose signed map root leaves out an event (an operator with the key)", async () => {
    const { ledger, tree } = await setup();
    await ledger.appendBatch(sampleInputs(30));
    await tree.catchUp();
    // The operator signs a map built without event 17.
    const map = new SubjectMap();
    for await (const e of ledger.read({ to: 30 })) {
      if (e.seq === 17) continue;
      for (const s of e.subjects ?? []) {
        const k = mapKey(s.id);
        map.set(k, { count: (map.get(k)?.count ?? 0) + 1, lastSeq: e.seq, lastHash: e.hash });
      }
    }
    const text = formatCheckpoint({
      origin: ORIGIN,
      size: 30,
      root: await tree.root(30),
      extensions: [mapLine(map.root())],
    });
    await tree.store.putCheckpoint({
      size: 30,
      note: formatNote(await signNote(text, [signer])),
      createdAt: "2026-01-01T00:00:00.000Z",
    });
    const report = await ledger.verify({ also: [await mapCheck(tree.store)] });
    expect(!report.ok && report.failure).toMatchObject({ seq: 30, kind: "checkpoint-mismatch" });
  });

  it("reports a repeated or malformed map line, and a stored map version with another root", async () => {
    for (const ext of [
      ["daicho-subject-map/v1 AAAA"],
      [mapLine(new Uint8Array(32)), mapLine(new Uint8Array(32))],
    ]) {
      const { ledger, tree } = await setup();
      await ledger.appendBatch(sampleInputs(5));
      await tree.catchUp();
      const text = formatCheckpoint({
        origin: ORIGIN,
        size: 5,
        root: await tree.root(5),
        extensions: ext,
      });
      await tree.store.putCheckpoint({
        size: 5,
        note: formatNote(await signNote(text, [signer])),
        createdAt: "x",
      });
      const report = await ledger.verify({ also: [await mapCheck(tree.store)] });
      expect(!report.ok && report.failure.kind).toBe("checkpoint-mismatch");
    }
    const { ledger, tree } = await setup();
    const map = memoryMapStore();
    await ledger.appendBatch(sampleInputs(12));
    await emitCheckpoint(tree, signer, ORIGIN, { map: memoryMapStore() });
    await map.putVersion(12, []); // a version 12 whose root is not the signed one
    const report = await ledger.verify({ also: [await mapCheck(tree.store, { map })] });
    expect(!report.ok && report.failure).toMatchObject({ seq: 12, kind: "map-mismatch" });
  });
});
