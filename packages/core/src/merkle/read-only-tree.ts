import { DaichoError } from "../errors";
import { memoryTreeStore } from "./memory-tree-store";
import type { NodeId } from "./range";
import { nodeEnd, type StoredCheckpoint, type TreeStore } from "./tree-store";

/**
 * A `TreeStore` that reads a stored tree without ever writing to it (an auditor's run, a
 * read replica): nodes within the size the stored tree had when opened come from `base`;
 * leaves added after that (catching the tree up with newer events for one run) live in an
 * in-memory store and are forgotten on close. Checkpoints are read from `base`; storing
 * one is refused with STORE_UNAVAILABLE. The base's subject map, if any, is read through
 * (the base store refuses to write it when opened read-only).
 */
export async function readOnlyTree(base: TreeStore): Promise<TreeStore> {
  const baseSize = await base.size();
  const added = memoryTreeStore({ startSize: baseSize });
  const inBase = (id: NodeId) => nodeEnd(id) <= baseSize;
  return {
    kind: `${base.kind}+memory`,
    ...(base.map === undefined ? {} : { map: base.map }),
    size: () => added.size(),
    append: (nodes, expectedSize, newSize) => added.append(nodes, expectedSize, newSize),
    async readNodes(ids) {
      const fromBase = ids.filter(inBase);
      const fromAdded = ids.filter((id) => !inBase(id));
      const [stored, extra] = await Promise.all([
        fromBase.length === 0 ? [] : base.readNodes(fromBase),
        fromAdded.length === 0 ? [] : added.readNodes(fromAdded),
      ]);
      let b = 0;
      let a = 0;
      return ids.map((id) => (inBase(id) ? stored[b++] : extra[a++]) as Uint8Array);
    },
    async nodeCount() {
      return (await base.nodeCount()) + (await added.nodeCount());
    },
    async putCheckpoint(_checkpoint: StoredCheckpoint) {
      throw new DaichoError(
        "STORE_UNAVAILABLE",
        "the ledger was opened read-only; storing a checkpoint needs write access",
      );
    },
    getCheckpoint: (size) => base.getCheckpoint(size),
    latestCheckpoint: () => base.latestCheckpoint(),
    listCheckpoints: (range) => base.listCheckpoints(range),
    async close() {
      await added.close();
      await base.close();
    },
  };
}
