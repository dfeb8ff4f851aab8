import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { leafHash } from "../merkle/hash";
import { rootAt } from "../merkle/proofs";
import { CompactRange, decompose, type Node } from "../merkle/range";
import { nodesInTree, type TreeStore } from "../merkle/tree-store";

/** One tree store under test. `reopen` opens the same storage again (durable stores). */
export interface TreeStoreHandle {
  readonly store: TreeStore;
  readonly reopen?: () => Promise<TreeStore>;
  readonly dispose: () => Promise<void>;
}

export type TreeStoreFactory = () => Promise<TreeStoreHandle>;

/** Nodes for leaves [from, to) continuing `range`, as `LedgerTree` would write them. */
function grow(range: CompactRange, to: number): Node[] {
  const nodes: Node[] = [];
  for (let i = range.size; i < to; i++)
    range.appendLeaf(leafHash(Uint8Array.of(i & 255, i >> 8)), (n) => nodes.push(n));
  return nodes;
}

/**
 * The behaviour every `TreeStore` must have: compare-and-set growth, nodes readable
 * exactly within the stored size, checkpoints replaced in place, durability on reopen.
 */
export function treeStoreConformance(name: string, factory: TreeStoreFactory): void {
  describe(`TreeStore conformance: ${name}`, () => {
    let handle: TreeStoreHandle;
    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle.store.close().catch(() => undefined);
      await handle.dispose();
    });

    it("starts empty", async () => {
      expect(await handle.store.size()).toBe(0);
      expect(await handle.store.latestCheckpoint()).toBeUndefined();
    });

    it("stores nodes and size together and serves every perfect subtree within the size", async () => {
      const range = new CompactRange();
      await handle.store.append(grow(range, 37), 0, 37);
      expect(await handle.store.size()).toBe(37);
      const reference = new CompactRange();
      const all: Node[] = grow(reference, 37);
      const read = await handle.store.readNodes(all);
      expect(read.map((h) => Buffer.from(h).toString("hex"))).toEqual(
        all.map((n) => Buffer.from(n.hash).toString("hex")),
      );
      expect(await rootAt(handle.store, 37)).toEqual(range.root());
    });

    it("rejects a stale expected size with a retryable CONCURRENCY_CONFLICT and writes nothing", async () => {
      const range = new CompactRange();
      await handle.store.append(grow(range, 4), 0, 4);
      const e = await handle.store.append(grow(new CompactRange(), 6), 0, 6).catch((x) => x);
      expect(isDaichoError(e, "CONCURRENCY_CONFLICT") && e.retryable).toBe(true);
      expect(await handle.store.size()).toBe(4);
      await expect(handle.store.readNodes([{ level: 0, index: 4 }])).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
    });

    it("counts exactly the nodes of the tree it holds (2n − popcount(n))", async () => {
      const store = handle.store;
      expect(await store.nodeCount()).toBe(0);
      const range = new CompactRange();
      for (const to of [1, 2, 7, 8, 100]) {
        const before = range.size;
        await store.append(grow(range, to), before, to);
        expect(await store.nodeCount()).toBe(nodesInTree(to));
      }
    });

    it("refuses to read nodes beyond the stored size", async () => {
      const range = new CompactRange();
      await handle.store.append(grow(range, 5), 0, 5);
      await expect(handle.store.readNodes([{ level: 3, index: 0 }])).rejects.toMatchObject({
        code: "NOT_FOUND",
      });
      expect((await handle.store.readNodes(decompose(0, 5))).length).toBe(2);
    });

    it("keeps checkpoints by size and replaces one in place to add co-signatures", async () => {
      await handle.store.putCheckpoint({
        size: 3,
        note: "a\n",
        createdAt: "2026-01-01T00:00:00.000Z",
      });
      await handle.store.putCheckpoint({
        size: 9,
        note: "b\n",
        createdAt: "2026-01-02T00:00:00.000Z",
      });
      await handle.store.putCheckpoint({
        size: 3,
        note: "a2\n",
        createdAt: "2026-01-03T00:00:00.000Z",
      });
      expect(await handle.store.getCheckpoint(3)).toEqual({
        size: 3,
        note: "a2\n",
        createdAt: "2026-01-01T00:00:00.000Z",
      });
      expect((await handle.store.latestCheckpoint())?.size).toBe(9);
      expect((await handle.store.listCheckpoints({ from: 0, to: 9 })).map((c) => c.size)).toEqual([
        3,
      ]);
      expect(await handle.store.getCheckpoint(4)).toBeUndefined();
    });

    it("keeps everything across a reopen", async () => {
      if (handle.reopen === undefined) return;
      const range = new CompactRange();
      await handle.store.append(grow(range, 20), 0, 20);
      await handle.store.putCheckpoint({
        size: 20,
        note: "n\n",
        createdAt: "2026-01-01T00:00:00.000Z",
      });
      await handle.store.close();
      const again = await handle.reopen();
      expect(await again.size()).toBe(20);
      expect(await rootAt(again, 20)).toEqual(range.root());
      expect((await again.latestCheckpoint())?.note).toBe("n\n");
      await again.close();
    });

    it("fails with STORE_CLOSED after close", async () => {
      await handle.store.close();
      await expect(handle.store.size()).rejects.toMatchObject({ code: "STORE_CLOSED" });
    });
  });
}
