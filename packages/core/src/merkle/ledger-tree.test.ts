import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parseCheckpoint } from "../checkpoint/checkpoint";
import { emitCheckpoint, scheduleCheckpoints } from "../checkpoint/emit";
import { parseNote } from "../checkpoint/note";
import { verifyCheckpoint } from "../checkpoint/policy";
import { ed25519Signer } from "../checkpoint/signer";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { sampleInputs } from "../testing/fixtures";
import { BruteTree } from "./brute-tree";
import { eventLeafData, eventLeafHash } from "./hash";
import { catchUp, LedgerTree, withTree } from "./ledger-tree";
import { memoryTreeStore } from "./memory-tree-store";
import type { StoredCheckpoint } from "./tree-store";
import { verifyConsistency, verifyInclusion } from "./verify";

const ledgerId = "crm.example.com/ledger";
const signer = ed25519Signer(ledgerId, new Uint8Array(32).fill(5));

async function ledgerWith(inputs: readonly EventInput[]) {
  const store = memoryStore();
  const ledger = await openLedger({ store, ledgerId });
  if (inputs.length > 0) await ledger.appendBatch(inputs);
  return ledger;
}

async function eventHashes(ledger: Awaited<ReturnType<typeof ledgerWith>>): Promise<string[]> {
  const out: string[] = [];
  for await (const e of ledger.store.read()) out.push(e.hash);
  return out;
}

describe("a ledger's Merkle tree", () => {
  it("has leaf i = SHA-256(0x00 ‖ raw event hash of event i), matching the brute-force tree", async () => {
    const ledger = await ledgerWith([]);
    const { tree } = await withTree(ledger, memoryTreeStore());
    for (let i = 0; i < 5; i++) await ledger.appendBatch(sampleInputs(7, i * 7));
    await ledger.append(sampleInputs(1, 99)[0] as EventInput);
    expect(await tree.flush()).toBe(36);
    const hashes = await eventHashes(ledger);
    const brute = new BruteTree(hashes.map(eventLeafData));
    expect(Buffer.from(await tree.root()).toString("hex")).toBe(
      Buffer.from(brute.mth()).toString("hex"),
    );
    expect(await tree.leafHash(3)).toEqual(eventLeafHash(hashes[3] as string));
    const proof = await tree.inclusionProof(17, 30);
    expect(
      E.isRight(
        verifyInclusion(17, 30, eventLeafHash(hashes[17] as string), proof, brute.mth(0, 30)),
      ),
    ).toBe(true);
  });

  it("catches up after a crash between the event append and the tree update", async () => {
    const ledger = await ledgerWith(sampleInputs(50));
    const treeStore = memoryTreeStore();
    const first = await catchUp(treeStore, ledger.store);
    expect(first.size).toBe(50);
    await ledger.appendBatch(sampleInputs(25, 50)); // no tree attached: the "crash"
    const reopened = await LedgerTree.open(treeStore, ledger.store);
    expect(reopened.size).toBe(50);
    expect(await reopened.catchUp()).toBe(75);
    const brute = new BruteTree((await eventHashes(ledger)).map(eventLeafData));
    expect(await reopened.root()).toEqual(brute.mth());
    // A stale tree object that appends after another writer moved the store re-syncs.
    expect(
      await first.appendEvents([{ seq: 50, hash: (await eventHashes(ledger))[50] as string }]),
    ).toBe(75);
  });

  it("never fails or slows an append when the tree store fails", async () => {
    const ledger = await ledgerWith([]);
    const treeStore = memoryTreeStore();
    const errors: unknown[] = [];
    const { tree } = await withTree(ledger, treeStore, { onError: (e) => errors.push(e) });
    await treeStore.close();
    await ledger.appendBatch(sampleInputs(3));
    await tree.flush();
    expect(errors.length).toBe(1);
    expect((await ledger.head())?.seq).toBe(2);
  });

  it("proves nothing for sizes it has not reached", async () => {
    const ledger = await ledgerWith(sampleInputs(4));
    const tree = await catchUp(memoryTreeStore(), ledger.store);
    await expect(tree.root(5)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    await expect(tree.inclusionProof(4, 4)).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  });
});

describe("checkpoints of a ledger", () => {
  it("signs origin = ledger id, size = event count and the tree root, and stores it", async () => {
    const ledger = await ledgerWith(sampleInputs(20));
    const tree = await catchUp(memoryTreeStore(), ledger.store);
    const stored = await emitCheckpoint(tree, signer, ledgerId);
    const v = verifyCheckpoint(stored.note, { keys: [signer.verifier], origin: ledgerId });
    expect(E.isRight(v) && v.right.checkpoint.size).toBe(20);
    expect(E.isRight(v) && v.right.checkpoint.root).toEqual(await tree.root(20));
    expect(await tree.store.latestCheckpoint()).toEqual(stored);
  });

  it("refuses to sign a tree that no longer extends its last checkpoint", async () => {
    const ledger = await ledgerWith(sampleInputs(20));
    const treeStore = memoryTreeStore();
    await emitCheckpoint(await catchUp(treeStore, ledger.store), signer, ledgerId);
    const rewritten = await ledgerWith(sampleInputs(21, 1)); // different history, same id
    const forkTree = await catchUp(memoryTreeStore(), rewritten.store);
    await forkTree.store.putCheckpoint((await treeStore.latestCheckpoint()) as StoredCheckpoint);
    await expect(emitCheckpoint(forkTree, signer, ledgerId)).rejects.toMatchObject({
      code: "CHECKPOINT_INVALID",
    });
    const shorter = await catchUp(memoryTreeStore(), (await ledgerWith(sampleInputs(5))).store);
    await shorter.store.putCheckpoint((await treeStore.latestCheckpoint()) as StoredCheckpoint);
    await expect(emitCheckpoint(shorter, signer, ledgerId)).rejects.toMatchObject({
      code: "CHECKPOINT_INVALID",
    });
  });

  it("emits on a policy of every N events, off the append path", async () => {
    const ledger = await ledgerWith([]);
    const { tree } = await withTree(ledger, memoryTreeStore());
    const sizes: number[] = [];
    const schedule = scheduleCheckpoints(tree, signer, ledgerId, {
      everyEvents: 10,
      onCheckpoint: (c) => sizes.push(c.size),
    });
    for (let i = 0; i < 5; i++) {
      await ledger.appendBatch(sampleInputs(6, i * 6));
      await tree.flush();
      await schedule.idle();
    }
    schedule.stop();
    expect(sizes).toEqual([12, 24]);
    const all = await tree.store.listCheckpoints();
    expect(all.map((c) => c.size)).toEqual([12, 24]);
  });

  it("emits on a timer when the tree grew", async () => {
    const ledger = await ledgerWith(sampleInputs(3));
    const { tree } = await withTree(ledger, memoryTreeStore());
    const schedule = scheduleCheckpoints(tree, signer, ledgerId, { everyMs: 10 });
    await new Promise((r) => setTimeout(r, 60));
    await schedule.idle();
    schedule.stop();
    expect((await tree.store.latestCheckpoint())?.size).toBe(3);
  });
});

describe("a tampered ledger against an honest checkpoint", () => {
  it("cannot produce a consistency or inclusion proof that verifies", async () => {
    const n = 40;
    const honestInputs = sampleInputs(n + 20);
    const honest = await ledgerWith(honestInputs.slice(0, n));
    const honestTree = await catchUp(memoryTreeStore(), honest.store);
    const cp = await emitCheckpoint(honestTree, signer, ledgerId);
    const honestCp = E.getOrElseW(() => undefined)(
      E.chain((note: { text: string }) => parseCheckpoint(note.text))(parseNote(cp.note)),
    );
    if (honestCp === undefined) throw new Error("unreadable checkpoint");

    await fc.assert(
      fc.asyncProperty(fc.nat(n - 1), fc.integer({ min: 0, max: 20 }), async (k, extra) => {
        // The attacker rewrites event k (a different input in its place) and re-appends the rest.
        const inputs = honestInputs
          .slice(0, n + extra)
          .map((input, i) => (i === k ? (sampleInputs(1, 1000 + k)[0] as EventInput) : input));
        const tampered = await ledgerWith(inputs);
        const tree = await catchUp(memoryTreeStore(), tampered.store);
        const proof = await tree.consistencyProof(n, tree.size);
        expect(
          E.isLeft(verifyConsistency(n, tree.size, proof, honestCp.root, await tree.root())),
        ).toBe(true);
        const hash = ((await tampered.store.get(k)) as { hash: string }).hash;
        const inclusion = await tree.inclusionProof(k, n);
        expect(E.isLeft(verifyInclusion(k, n, eventLeafHash(hash), inclusion, honestCp.root))).toBe(
          true,
        );
      }),
      { numRuns: 15 },
    );
  });

  it("cannot prove anything after truncation: the tree is smaller than the checkpoint", async () => {
    const truncated = await ledgerWith(sampleInputs(30));
    const tree = await catchUp(memoryTreeStore(), truncated.store);
    await expect(tree.consistencyProof(40, tree.size)).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });
});
