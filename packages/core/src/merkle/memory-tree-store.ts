import { DaichoError } from "../errors";
import type { Node, NodeId } from "./range";
import { nodeEnd, nodePosition, type StoredCheckpoint, type TreeStore } from "./tree-store";

/**
 * An in-memory `TreeStore` for tests, demos and short-lived ledgers: the same contract
 * as the durable stores within one process. `startSize` starts it as the continuation of
 * a tree of that size held elsewhere: it stores only the nodes added after it (see
 * `readOnlyTree`).
 */
export function memoryTreeStore(options: { startSize?: number } = {}): TreeStore {
  return new MemoryTreeStore(options.startSize ?? 0);
}

class MemoryTreeStore implements TreeStore {
  readonly kind = "memory";
  private readonly nodes = new Map<number, Uint8Array>();
  private readonly checkpoints = new Map<number, StoredCheckpoint>();
  private closed = false;

  constructor(private leaves: number) {}

  async size(): Promise<number> {
    this.open();
    return this.leaves;
  }

  async append(nodes: readonly Node[], expectedSize: number, newSize: number): Promise<void> {
    this.open();
    if (this.leaves !== expectedSize) {
      throw new DaichoError("CONCURRENCY_CONFLICT", "the tree grew since it was read", {
        retryable: true,
        details: { expected: expectedSize, actual: this.leaves },
      });
    }
    if (newSize < expectedSize)
      throw new DaichoError("INVALID_ARGUMENT", "a tree never shrinks", { path: "newSize" });
    for (const n of nodes) this.nodes.set(nodePosition(n), Uint8Array.from(n.hash));
    this.leaves = newSize;
  }

  async readNodes(ids: readonly NodeId[]): Promise<readonly Uint8Array[]> {
    this.open();
    return ids.map((id) => {
      if (nodeEnd(id) > this.leaves) {
        throw new DaichoError(
          "NOT_FOUND",
          `node ${id.level}/${id.index} lies beyond tree size ${this.leaves}`,
        );
      }
      const hash = this.nodes.get(nodePosition(id));
      if (hash === undefined)
        throw new DaichoError("STORE_CORRUPT", `tree node ${id.level}/${id.index} is missing`);
      return hash;
    });
  }

  async nodeCount(): Promise<number> {
    this.open();
    return this.nodes.size;
  }

  async putCheckpoint(checkpoint: StoredCheckpoint): Promise<void> {
    this.open();
    const existing = this.checkpoints.get(checkpoint.size);
    this.checkpoints.set(
      checkpoint.size,
      existing === undefined ? { ...checkpoint } : { ...checkpoint, createdAt: existing.createdAt },
    );
  }

  async getCheckpoint(size: number): Promise<StoredCheckpoint | undefined> {
    this.open();
    return this.checkpoints.get(size);
  }

  async latestCheckpoint(): Promise<StoredCheckpoint | undefined> {
    this.open();
    let best: StoredCheckpoint | undefined;
    for (const c of this.checkpoints.values())
      if (best === undefined || c.size > best.size) best = c;
    return best;
  }

  async listCheckpoints(
    range: { from?: number; to?: number; limit?: number } = {},
  ): Promise<StoredCheckpoint[]> {
    this.open();
    const from = range.from ?? 0;
    const to = range.to ?? Number.MAX_SAFE_INTEGER;
    return [...this.checkpoints.values()]
      .filter((c) => c.size >= from && c.size < to)
      .sort((a, b) => a.size - b.size)
      .slice(0, range.limit ?? 1000);
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new DaichoError("STORE_CLOSED", "tree store is closed");
  }
}
