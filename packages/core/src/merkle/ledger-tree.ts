import { eventHash } from "../chain";
import { DaichoError, isDaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import { genesisHash } from "../hash";
import type { Ledger } from "../ledger";
import type { Store } from "../store/store";
import { bytesEqual, eventLeafHash } from "./hash";
import {
  consistencyProof as consistencyProofFrom,
  inclusionProof as inclusionProofFrom,
  rangeProof as rangeProofFrom,
  rootAt,
} from "./proofs";
import { CompactRange, decompose, type Node } from "./range";
import type { RangeProof } from "./range-proof";
import type { TreeStore } from "./tree-store";

/** Leaves written per tree-store transaction while catching up. */
const CATCH_UP_CHUNK = 4096;

/** Called after the tree grew, with the new size. Runs off the append path. */
export type GrowListener = (size: number) => void;

/**
 * A ledger's Merkle tree: leaf i is the event with sequence number i, leaf bytes are the
 * 32 raw bytes of its event hash (docs/spec.md "Merkle tree"). Mutations are serialised
 * in one queue; proofs read only stored perfect-subtree nodes, O(log n) of them.
 */
export class LedgerTree {
  private range: CompactRange;
  private queue: Promise<unknown> = Promise.resolve();
  private readonly listeners = new Set<GrowListener>();

  private constructor(
    readonly store: TreeStore,
    readonly events: Store,
    range: CompactRange,
  ) {
    this.range = range;
  }

  /** Open the tree kept in `store` for the events in `events` (does not catch up). */
  static async open(store: TreeStore, events: Store): Promise<LedgerTree> {
    return new LedgerTree(store, events, await loadRange(store));
  }

  /** Leaves covered by the tree as this process knows it. */
  get size(): number {
    return this.range.size;
  }

  /** Register a listener for growth; returns a function that removes it. */
  onGrow(listener: GrowListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Extend the tree with every event stored beyond its size, in chunks of one
   * transaction each. Safe to call at any time and from several processes: a process
   * that finds the tree moved reloads it and continues. Resolves with the new size.
   */
  catchUp(): Promise<number> {
    return this.enqueue(() => this.catchUpNow());
  }

  /** Resolves once every queued tree update has been written. */
  async flush(): Promise<number> {
    await this.enqueue(async () => undefined);
    return this.size;
  }

  /**
   * Append leaves for events the ledger just wrote (`seq` and `hash` of each, in order).
   * When they do not continue the tree exactly (a gap after a crash, or another writer),
   * the tree catches up from the event store instead.
   */
  appendEvents(events: readonly { seq: number; hash: string }[]): Promise<number> {
    return this.enqueue(async () => {
      const first = events[0];
      if (first === undefined) return this.size;
      if (first.seq !== this.range.size) return this.catchUpNow();
      const ok = await this.write(events);
      return ok ? this.size : this.catchUpNow();
    });
  }

  /** The root of the tree of `size` (default: the current size). */
  async root(size = this.size): Promise<Uint8Array> {
    this.checkSize(size);
    return rootAt(this.store, size);
  }

  /** The RFC 9162 inclusion proof of event `seq` in the tree of `size` (default current). */
  async inclusionProof(seq: number, size = this.size): Promise<Uint8Array[]> {
    this.checkSize(size);
    return inclusionProofFrom(this.store, seq, size);
  }

  /** The RFC 9162 consistency proof from the tree of `size1` to the tree of `size2`. */
  async consistencyProof(size1: number, size2 = this.size): Promise<Uint8Array[]> {
    this.checkSize(size2);
    return consistencyProofFrom(this.store, size1, size2);
  }

  /** The range proof for events [from, to) in the tree of `size` (see `verifyRangeProof`). */
  async rangeProof(from: number, to: number, size = this.size): Promise<RangeProof> {
    this.checkSize(size);
    return rangeProofFrom(this.store, from, to, size);
  }

  /** The stored leaf hash of event `seq`. */
  async leafHash(seq: number): Promise<Uint8Array> {
    const [h] = await this.store.readNodes([{ level: 0, index: seq }]);
    return h as Uint8Array;
  }

  private checkSize(size: number): void {
    if (!Number.isSafeInteger(size) || size < 0 || size > this.size) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        `the tree has ${this.size} leaves; size ${size} is not available`,
        {
          path: "size",
        },
      );
    }
  }

  private enqueue<A>(task: () => Promise<A>): Promise<A> {
    const run = this.queue.then(task, task);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async catchUpNow(): Promise<number> {
    for (;;) {
      this.range = await loadRange(this.store);
      let chunk: { seq: number; hash: string }[] = [];
      let conflicted = false;
      let verified: VerifiedTail | undefined; // anchored only once there is an event to add
      for await (const e of this.events.read({ from: this.range.size })) {
        verified ??= new VerifiedTail(await this.anchor());
        verified.check(e);
        chunk.push({ seq: e.seq, hash: e.hash });
        if (chunk.length >= CATCH_UP_CHUNK) {
          if (!(await this.write(chunk))) {
            conflicted = true;
            break;
          }
          chunk = [];
        }
      }
      if (!conflicted && (chunk.length === 0 || (await this.write(chunk)))) return this.size;
    }
  }

  /**
   * The hash the next leaf's event must link to: the genesis when the tree is empty,
   * else the stored hash of the last event covered, checked against the stored leaf so a
   * catch-up never extends the tree from an edited event row.
   */
  private async anchor(): Promise<{ seq: number; hash: string }> {
    const size = this.range.size;
    if (size === 0) {
      const meta = await this.events.meta();
      if (meta === null) throw new DaichoError("NOT_FOUND", "the event store holds no ledger");
      return { seq: -1, hash: genesisHash(meta.ledgerId) };
    }
    const last = await this.events.get(size - 1);
    const [leaf] = await this.store.readNodes([{ level: 0, index: size - 1 }]);
    if (last === undefined || leaf === undefined || !bytesEqual(eventLeafHash(last.hash), leaf)) {
      throw new DaichoError(
        "STORE_CORRUPT",
        `event ${size - 1} is not the event the stored tree covers: run \`daicho verify\` with the tree`,
        { path: `seq ${size - 1}` },
      );
    }
    return { seq: size - 1, hash: last.hash };
  }

  /** Write leaves continuing the tree; false when another writer moved the stored tree. */
  private async write(events: readonly { seq: number; hash: string }[]): Promise<boolean> {
    const next = new CompactRange(this.range.size, this.range.border());
    const nodes: Node[] = [];
    for (const e of events) {
      if (e.seq !== next.size) {
        throw new DaichoError(
          "STORE_CORRUPT",
          `event ${next.size} is missing from the event store`,
          {
            path: `seq ${next.size}`,
          },
        );
      }
      next.appendLeaf(eventLeafHash(e.hash), (n) => nodes.push(n));
    }
    try {
      await this.store.append(nodes, this.range.size, next.size);
    } catch (e) {
      if (isDaichoError(e, "CONCURRENCY_CONFLICT")) return false;
      throw e;
    }
    this.range = next;
    for (const listener of this.listeners) listener(next.size);
    return true;
  }
}

/**
 * Checks events before they become leaves (internal to the tree and checkpoint modules): each one's stored bytes hash to its stored
 * hash and its body links to the previous event, so a catch-up (and every checkpoint
 * signed after it) covers only events that verify. STORE_CORRUPT otherwise.
 */
export class VerifiedTail {
  private prev: string;

  constructor(anchor: { seq: number; hash: string }) {
    this.prev = anchor.hash;
  }

  /** Check `e` and return its parsed body (for callers that read more of it, e.g. its subjects). */
  check(e: StoredEvent): { readonly seq: number; readonly subjects?: unknown } {
    let body: { seq?: unknown; prevHash?: unknown; subjects?: unknown } | undefined;
    try {
      body = JSON.parse(e.body) as { seq?: unknown; prevHash?: unknown; subjects?: unknown };
    } catch {
      body = undefined;
    }
    if (eventHash(e.body) !== e.hash || body?.seq !== e.seq || body?.prevHash !== this.prev) {
      throw new DaichoError(
        "STORE_CORRUPT",
        `event ${e.seq} does not verify; the tree is not extended over it: run \`daicho verify\``,
        { path: `seq ${e.seq}` },
      );
    }
    this.prev = e.hash;
    return body as { seq: number; subjects?: unknown };
  }

  /** The hash of the last event checked (or of the anchor). */
  get last(): string {
    return this.prev;
  }
}

async function loadRange(store: TreeStore): Promise<CompactRange> {
  const size = await store.size();
  const border = await store.readNodes(decompose(0, size));
  return new CompactRange(size, border);
}

/**
 * Open the tree kept in `store` for `events` and extend it to the event head. Use at
 * start-up: after a crash between an event append and its tree update, this is the
 * whole recovery.
 */
export async function catchUp(store: TreeStore, events: Store): Promise<LedgerTree> {
  const tree = await LedgerTree.open(store, events);
  await tree.catchUp();
  return tree;
}

/** A tree kept in step with a ledger; `detach()` stops following appends. */
export interface AttachedTree {
  readonly tree: LedgerTree;
  detach(): void;
}

/**
 * Keep a Merkle tree in `store` in step with `ledger`: catch up now, then extend the tree
 * after every durable append (from `ledger.onAppend`, off the append's own path: an
 * append never waits for hashing the tree, and a failed tree write never fails an
 * append). Tree errors go to `onError` (default: console.error with the code); the next
 * append or `catchUp` repairs the gap.
 */
export async function withTree(
  ledger: Ledger,
  store: TreeStore,
  options: { onError?: (e: unknown) => void } = {},
): Promise<AttachedTree> {
  const tree = await catchUp(store, ledger.store);
  const onError =
    options.onError ??
    ((e: unknown) => console.error("daicho: tree update failed:", isDaichoError(e) ? e.code : e));
  const detach = ledger.onAppend((events) => {
    tree.appendEvents(events).catch(onError);
  });
  return { tree, detach };
}
