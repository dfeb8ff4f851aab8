import * as E from "fp-ts/lib/Either.js";
import type { StoredEvent } from "../events/envelope";
import { bytesEqual, eventLeafHash } from "../merkle/hash";
import { CompactRange, type Node } from "../merkle/range";
import { nodeEnd, nodesInTree, type StoredCheckpoint, type TreeStore } from "../merkle/tree-store";
import type { VerifiedCopy, VerifyFailure } from "../verify";
import type { StoreCheck } from "../verify-store";
import { parseCheckpoint } from "./checkpoint";
import { parseNote } from "./note";
import { type TrustPolicy, verifyCheckpoint } from "./policy";

/** Nodes compared per tree-store read while verifying. */
const NODE_BATCH = 4096;

export interface TreeCheckOptions {
  /** The ledger id: every stored checkpoint's origin must be it. */
  readonly origin: string;
  /**
   * Keys the stored checkpoints' signatures are checked against. Without a policy the
   * signatures are not checked (only that each checkpoint parses and matches the log),
   * and the report says so by leaving `checkpoint-signatures` out of `checked`.
   */
  readonly policy?: Omit<TrustPolicy, "origin">;
}

/**
 * A `StoreCheck` for a ledger's Merkle tree store, for `verifyStore` / `ledger.verify`:
 * while the events are verified, rebuild the tree from their verified hashes and compare
 * every stored node (`tree-mismatch` naming the first leaf it covers), the stored size
 * (never beyond the log) and the number of stored nodes (nothing planted); check every
 * stored checkpoint: it parses, names this ledger, its size is within the log, its root
 * is the root recomputed from the events at that size, and (with `policy`) its signatures
 * satisfy the policy (`checkpoint-mismatch` at the checkpoint's size). Reads the stored
 * checkpoints up front (a few hundred bytes each) and the nodes in batches.
 */
export async function treeCheck(tree: TreeStore, options: TreeCheckOptions): Promise<StoreCheck> {
  const storedSize = await tree.size();
  const checkpoints = await allCheckpoints(tree);
  const covers: VerifiedCopy[] = ["tree", "checkpoints"];
  if (options.policy !== undefined) covers.push("checkpoint-signatures");
  const problem = checkpoints
    .map((c) => checkpointProblem(c, options))
    .find((p) => p !== undefined);
  const roots = checkpoints.map((c) => ({ size: c.size, root: rootOf(c) }));
  const range = new CompactRange();
  let pending: Node[] = [];
  let next = 0;

  const compareRoots = (): VerifyFailure | undefined => {
    for (; next < roots.length && (roots[next] as { size: number }).size <= range.size; next++) {
      const cp = roots[next] as { size: number; root: Uint8Array | undefined };
      if (cp.size < range.size) continue; // a duplicate size; the first was compared
      if (cp.root === undefined || !bytesEqual(cp.root, range.root())) {
        return checkpointFailure(
          cp.size,
          `the stored checkpoint at size ${cp.size} has another root than the events give: it was edited, or signed over an altered tree`,
        );
      }
    }
    return undefined;
  };
  const flush = async (): Promise<VerifyFailure | undefined> => {
    const batch = pending;
    pending = [];
    if (batch.length === 0) return undefined;
    let stored: readonly Uint8Array[];
    try {
      stored = await tree.readNodes(batch);
    } catch {
      return treeFailure(
        batch[0] as Node,
        "a stored tree node inside the stored size is missing or unreadable",
      );
    }
    for (let i = 0; i < batch.length; i++) {
      const node = batch[i] as Node;
      if (!bytesEqual(stored[i] as Uint8Array, node.hash)) {
        return treeFailure(node, "a stored tree node differs from the hash the events give");
      }
    }
    return undefined;
  };
  const keep = (node: Node) => {
    if (nodeEnd(node) <= storedSize) pending.push(node);
  };

  return {
    covers,
    onVerified(stored: StoredEvent) {
      if (problem !== undefined) return problem;
      const cp = compareRoots();
      if (cp !== undefined) return cp;
      range.appendLeaf(eventLeafHash(stored.hash), keep);
      return pending.length >= NODE_BATCH ? flush() : undefined;
    },
    async finish(count: number) {
      if (problem !== undefined) return problem;
      const nodes = await flush();
      if (nodes !== undefined) return nodes;
      const cp = compareRoots();
      if (cp !== undefined) return cp;
      const beyond = roots[next];
      if (beyond !== undefined) {
        return checkpointFailure(
          beyond.size,
          `the log ends at ${count} events, before its own stored checkpoint of size ${beyond.size}: events were removed from the end, or the checkpoint was planted`,
        );
      }
      if (storedSize > count) {
        return {
          seq: count,
          kind: "tree-mismatch",
          reason: `the stored tree covers ${storedSize} leaves but the log has ${count} events`,
        };
      }
      const stored = await tree.nodeCount();
      if (stored !== nodesInTree(storedSize)) {
        return {
          seq: storedSize,
          kind: "tree-mismatch",
          reason: `the tree store holds ${stored} nodes; a tree of ${storedSize} leaves has ${nodesInTree(storedSize)}: nodes were added or removed`,
        };
      }
      return undefined;
    },
  };
}

/** Every stored checkpoint, ascending by size, read in pages. */
export async function allCheckpoints(tree: TreeStore): Promise<StoredCheckpoint[]> {
  const out: StoredCheckpoint[] = [];
  let from = 0;
  for (;;) {
    const page = await tree.listCheckpoints({ from, limit: 1000 });
    out.push(...page);
    const last = page[page.length - 1];
    if (last === undefined || page.length < 1000) return out;
    from = last.size + 1;
  }
}

/** What is wrong with a stored checkpoint on its own (before comparing roots), if anything. */
function checkpointProblem(
  stored: StoredCheckpoint,
  options: TreeCheckOptions,
): VerifyFailure | undefined {
  const fail = (why: string) => checkpointFailure(stored.size, why);
  const note = parseNote(stored.note);
  if (E.isLeft(note))
    return fail(`the stored checkpoint at size ${stored.size} is not a signed note`);
  const body = parseCheckpoint(note.right.text);
  if (E.isLeft(body)) return fail(`the stored checkpoint at size ${stored.size} does not parse`);
  if (body.right.origin !== options.origin) {
    return fail(`the stored checkpoint at size ${stored.size} names another ledger`);
  }
  if (body.right.size !== stored.size) {
    return fail(
      `a stored checkpoint filed under size ${stored.size} commits to size ${body.right.size}`,
    );
  }
  if (options.policy !== undefined) {
    const verified = verifyCheckpoint(stored.note, { ...options.policy, origin: options.origin });
    if (E.isLeft(verified)) {
      return fail(
        `the stored checkpoint at size ${stored.size} fails the trust policy: ${verified.left.reason}`,
      );
    }
  }
  return undefined;
}

function rootOf(stored: StoredCheckpoint): Uint8Array | undefined {
  const note = parseNote(stored.note);
  if (E.isLeft(note)) return undefined;
  const body = parseCheckpoint(note.right.text);
  return E.isLeft(body) ? undefined : body.right.root;
}

function checkpointFailure(size: number, reason: string): VerifyFailure {
  return { seq: size, kind: "checkpoint-mismatch", reason };
}

function treeFailure(node: Node, reason: string): VerifyFailure {
  return {
    seq: node.index * 2 ** node.level,
    kind: "tree-mismatch",
    reason: `${reason} (node at level ${node.level}, index ${node.index})`,
  };
}
