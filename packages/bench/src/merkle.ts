import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import {
  CompactRange,
  consistencyProof,
  inclusionProof,
  LedgerTree,
  leafHash,
  type Node,
  rootAt,
  verifyConsistency,
  verifyInclusion,
  withTree,
} from "@daicho/core/merkle";
import { sampleInputs } from "@daicho/core/testing";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";
import { compareWithSigstore } from "./sigstore-proofs";

const SIZES = [10_000, 100_000, 1_000_000];
const PROBES = 500;
const leafDataOf = (i: number) => Uint8Array.of(i & 255, (i >> 8) & 255, (i >> 16) & 255, i >>> 24);
const leafOf = (i: number) => leafHash(leafDataOf(i));

/** Deterministic pseudo-random indices below n. */
function probes(n: number): number[] {
  let x = 12345;
  return Array.from({ length: PROBES }, () => {
    x = (x * 1103515245 + 12345) % 2 ** 31;
    return x % n;
  });
}

/** Proof generation and verification against a SQLite tree store of 10^4, 10^5, 10^6 leaves. */
async function proofs(report: Report, dir: string): Promise<void> {
  const store = sqliteTreeStore(join(dir, "tree.db"));
  const range = new CompactRange();
  for (const size of SIZES) {
    while (range.size < size) {
      const nodes: Node[] = [];
      const before = range.size;
      const end = Math.min(size, before + 50_000);
      for (let i = before; i < end; i++) range.appendLeaf(leafOf(i), (n) => nodes.push(n));
      await store.append(nodes, before, end);
    }
    const root = await rootAt(store, size);
    const idx = probes(size);
    const proofsOut: Uint8Array[][] = [];
    const gen = await timeMs(async () => {
      for (const i of idx) proofsOut.push(await inclusionProof(store, i, size));
    });
    let verified = 0;
    const ver = await timeMs(() => {
      for (const [k, i] of idx.entries()) {
        if (
          verifyInclusion(i, size, leafOf(i), proofsOut[k] as Uint8Array[], root)._tag === "Right"
        )
          verified++;
      }
    });
    const olds = idx.map((i) => Math.max(1, i));
    const oldRoots = await Promise.all(olds.map((m) => rootAt(store, m)));
    const cons: Uint8Array[][] = [];
    const cgen = await timeMs(async () => {
      for (const m of olds) cons.push(await consistencyProof(store, m, size));
    });
    const cver = await timeMs(() => {
      for (const [k, m] of olds.entries()) {
        const r = verifyConsistency(
          m,
          size,
          cons[k] as Uint8Array[],
          oldRoots[k] as Uint8Array,
          root,
        );
        if (r._tag === "Right") verified++;
      }
    });
    if (verified !== 2 * PROBES) throw new Error("a benchmarked proof did not verify");
    // Baseline: what a proof costs without stored nodes — rehash every leaf to get the root.
    const rebuild = await timeMs(() => {
      const r = new CompactRange();
      for (let i = 0; i < size; i++) r.appendLeaf(leafOf(i));
      return r.root();
    });
    const tag = size.toExponential(0).replace("+", "");
    compareWithSigstore(
      report,
      tag,
      size,
      root,
      idx.map((index, k) => ({
        index,
        leafData: leafDataOf(index),
        proof: proofsOut[k] as Uint8Array[],
      })),
    );
    report.add({
      name: `inclusion proof gen @${tag}`,
      value: (gen / PROBES) * 1000,
      unit: "µs/proof",
      note: "SQLite tree store",
    });
    report.add({
      name: `inclusion proof verify @${tag}`,
      value: (ver / PROBES) * 1000,
      unit: "µs/proof",
    });
    report.add({
      name: `consistency proof gen @${tag}`,
      value: (cgen / PROBES) * 1000,
      unit: "µs/proof",
    });
    report.add({
      name: `consistency proof verify @${tag}`,
      value: (cver / PROBES) * 1000,
      unit: "µs/proof",
    });
    report.add({
      name: `baseline: rebuild root from all leaves @${tag}`,
      value: rebuild * 1000,
      unit: "µs",
      vs: `inclusion proof gen @${tag}`,
      note: "what one proof costs without stored nodes",
    });
  }
  await store.close();
}

/** Append throughput on a SQLite ledger, without a tree and with the tree maintained. */
async function appends(report: Report, dir: string): Promise<void> {
  const total = 20_000;
  const batch = 100;
  const inputs = sampleInputs(total);
  const measure = async (name: string, withTreeStore: boolean) => {
    const path = join(dir, `${name}.db`);
    const ledger = await openLedger({
      store: sqliteStore(path, { synchronous: "normal" }),
      ledgerId: "bench.example/ledger",
    });
    const attached = withTreeStore ? await withTree(ledger, sqliteTreeStore(path)) : undefined;
    const ms = await timeMs(async () => {
      for (let i = 0; i < total; i += batch) await ledger.appendBatch(inputs.slice(i, i + batch));
      await attached?.tree.flush();
    });
    attached?.detach();
    await attached?.tree.store.close();
    await ledger.close();
    return (total / ms) * 1000;
  };
  report.add({
    name: "append, no tree",
    value: await measure("plain", false),
    unit: "events/s",
    note: `${total} events, batches of ${batch}, synchronous=normal`,
  });
  report.add({
    name: "append, tree maintained",
    value: await measure("tree", true),
    unit: "events/s",
    vs: "append, no tree",
  });
}

/** Emitting a checkpoint: catch-up, consistency check with the last one, root (O(log n) reads), Ed25519 signature, store. */
async function checkpoints(report: Report, dir: string): Promise<void> {
  const path = join(dir, "cp.db");
  const ledger = await openLedger({
    store: sqliteStore(path, { synchronous: "normal" }),
    ledgerId: "bench.example/cp",
  });
  await ledger.appendBatch(sampleInputs(1000));
  const tree = await LedgerTree.open(sqliteTreeStore(path), ledger.store);
  await tree.catchUp();
  const signer = ed25519Signer("bench.example/cp", new Uint8Array(32).fill(7));
  const message = new TextEncoder().encode(
    "bench.example/cp\n1000\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=\n",
  );
  const runs = 50;
  for (let i = 0; i < 5; i++) signer.sign(message); // warm up (noble precomputes tables on first use)
  const sign = await timeMs(() => {
    for (let i = 0; i < runs; i++) signer.sign(message);
  });
  report.add({
    name: "Ed25519 sign (noble)",
    value: (sign / runs) * 1000,
    unit: "µs",
    note: "baseline",
  });
  let emit = 0;
  for (let i = 0; i < runs; i++) {
    await ledger.appendBatch(sampleInputs(2, 1000 + 2 * i));
    emit += await timeMs(() => emitCheckpoint(tree, signer, "bench.example/cp"));
  }
  report.add({
    name: "emit checkpoint",
    value: (emit / runs) * 1000,
    unit: "µs",
    vs: "Ed25519 sign (noble)",
    note: "catch-up of 2 events + root + sign + store",
  });
  await tree.store.close();
  await ledger.close();
}

export const merkleSection: Section = {
  name: "merkle",
  async run(): Promise<Report> {
    const report = new Report("merkle");
    const dir = mkdtempSync(join(tmpdir(), "daicho-bench-merkle-"));
    try {
      await proofs(report, dir);
      await appends(report, dir);
      await checkpoints(report, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};
