import { DaichoError } from "@daicho/core";
import {
  type Node,
  type NodeId,
  nodeEnd,
  nodePosition,
  type StoredCheckpoint,
  type TreeStore,
} from "@daicho/core/merkle";

/**
 * A `TreeStore` that reads a stored tree without ever writing to it: nodes within the
 * size the stored tree had when opened come from `base`; leaves added after that (a CLI
 * catching the tree up with newer events for one run) are kept in memory and forgotten
 * on close. Checkpoints are read from `base`; storing one is refused (STORE_UNAVAILABLE),
 * since an auditor's read-only run must not change the ledger's database.
 */
export async function readOnlyTree(base: TreeStore): Promise<TreeStore> {
  return new OverlayTreeStore(base, await base.size());
}

class OverlayTreeStore implements TreeStore {
  readonly kind: string;
  private leaves: number;
  private readonly nodes = new Map<number, Uint8Array>();

  constructor(
    private readonly base: TreeStore,
    private readonly baseSize: number,
  ) {
    this.kind = `${base.kind}+memory`;
    this.leaves = baseSize;
  }

  async size(): Promise<number> {
    return this.leaves;
  }

  async append(nodes: readonly Node[], expectedSize: number, newSize: number): Promise<void> {
    if (newSize < expectedSize)
      throw new DaichoError("INVALID_ARGUMENT", "a tree never shrinks", { path: "newSize" });
    if (expectedSize !== this.leaves) {
      throw new DaichoError("CONCURRENCY_CONFLICT", "the tree grew since it was read", {
        retryable: true,
        details: { expected: expectedSize, actual: this.leaves },
      });
    }
    for (const n of nodes) this.nodes.set(nodePosition(n), Uint8Array.from(n.hash));
    this.leaves = newSize;
  }

  async readNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    const fromBase = ids.filter((id) => nodeEnd(id) <= this.baseSize);
    const stored = fromBase.length === 0 ? [] : await this.base.readNodes(fromBase);
    let next = 0;
    return ids.map((id) => {
      if (nodeEnd(id) <= this.baseSize) return stored[next++] as Uint8Array;
      if (nodeEnd(id) > this.leaves)
        throw new DaichoError(
          "NOT_FOUND",
          `node ${id.level}/${id.index} lies beyond tree size ${this.leaves}`,
        );
      const hash = this.nodes.get(nodePosition(id));
      if (hash === undefined)
        throw new DaichoError("STORE_CORRUPT", `tree node ${id.level}/${id.index} is missing`);
      return hash;
    });
  }

  async putCheckpoint(_checkpoint: StoredCheckpoint): Promise<void> {
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      "the ledger was opened read-only; storing a checkpoint needs write access",
    );
  }

  getCheckpoint(size: number): Promise<StoredCheckpoint | undefined> {
    return this.base.getCheckpoint(size);
  }

  latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    return this.base.latestCheckpoint();
  }

  listCheckpoints(range?: {
    from?: number;
    to?: number;
    limit?: number;
  }): Promise<StoredCheckpoint[]> {
    return this.base.listCheckpoints(range);
  }

  async close(): Promise<void> {
    this.nodes.clear();
    await this.base.close();
  }
}
