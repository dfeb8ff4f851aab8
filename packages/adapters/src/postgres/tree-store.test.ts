import { isDaichoError, openLedger } from "@daicho/core";
import {
  CompactRange,
  catchUp,
  eventLeafHash,
  LedgerTree,
  verifyInclusion,
  withTree,
} from "@daicho/core/merkle";
import { sampleInput, treeStoreConformance } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "./harness/index";
import { openPostgres, type PostgresDatabase } from "./index";

let cluster: PgCluster;
let db: PostgresDatabase;
let counter = 0;
// A schema of its own per run, dropped afterwards: reruns against DAICHO_PG_URL start clean.
const SCHEMA = `daicho_tree_test_${process.pid}`;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, schema: SCHEMA, migrate: true });
});
afterAll(async () => {
  await db?.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db?.close();
  cluster?.destroy();
});

// A tree belongs to a tenant's ledger: each case gets a fresh, initialised tenant.
treeStoreConformance("postgres", async () => {
  const tenant = `tree-${process.pid}-${++counter}`;
  await db.store(tenant).init({
    ledgerId: `tree.test/${counter}`,
    createdAt: new Date().toISOString(),
    envelopeVersion: 1,
  });
  return {
    store: db.treeStore(tenant),
    reopen: async () => db.treeStore(tenant),
    dispose: async () => {},
  };
});

/** The root recomputed from scratch over the given leaf hashes (no stored node involved). */
function bruteRoot(leaves: readonly Uint8Array[]): Uint8Array {
  const range = new CompactRange();
  for (const leaf of leaves) range.appendLeaf(leaf);
  return range.root();
}

const leafHashes = async (tenant: string) => {
  const hashes: Uint8Array[] = [];
  for await (const e of db.store(tenant).read()) hashes.push(eventLeafHash(e.hash));
  return hashes;
};

describe("PostgreSQL tree store", () => {
  it("lets many connections extend one tree at once without losing or forking a node", async () => {
    const ledger = await openLedger({ store: db.store("tree-race"), ledgerId: "race.example/l" });
    await ledger.appendBatch(Array.from({ length: 1200 }, (_, i) => sampleInput(i)));
    // Separate pools stand in for separate processes: each has its own connections.
    const others = await Promise.all(
      Array.from({ length: 4 }, () =>
        openPostgres({ connectionString: cluster.url, schema: SCHEMA }),
      ),
    );
    try {
      const trees = await Promise.all(
        others.map((o) => LedgerTree.open(o.treeStore("tree-race"), o.store("tree-race"))),
      );
      const writing = Promise.all(
        Array.from({ length: 20 }, (_, i) => ledger.append(sampleInput(5000 + i))),
      );
      const sizes = await Promise.all(trees.map((t) => t.catchUp()));
      await writing;
      const final = await Promise.all(trees.map((t) => t.catchUp()));
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(1200);
      expect(final).toEqual(final.map(() => 1220));
      const leaves = await leafHashes("tree-race");
      const reference = bruteRoot(leaves);
      for (const t of trees) {
        expect(await t.root()).toEqual(reference);
        expect(await t.root(1000)).toEqual(bruteRoot(leaves.slice(0, 1000)));
      }
      expect(await db.treeStore("tree-race").size()).toBe(1220);
    } finally {
      await Promise.all(others.map((o) => o.close()));
    }
  });

  it("keeps a tree beside a live ledger and serves proofs that verify", async () => {
    const ledger = await openLedger({ store: db.store("tree-live"), ledgerId: "live.example/l" });
    await ledger.appendBatch(Array.from({ length: 77 }, (_, i) => sampleInput(i)));
    const attached = await withTree(ledger, db.treeStore("tree-live"));
    await ledger.appendBatch(Array.from({ length: 23 }, (_, i) => sampleInput(100 + i)));
    expect(await attached.tree.flush()).toBe(100);
    const root = await attached.tree.root();
    const event = await ledger.store.get(42);
    const proof = await attached.tree.inclusionProof(42);
    expect(verifyInclusion(42, 100, eventLeafHash(event?.hash as string), proof, root)._tag).toBe(
      "Right",
    );
    attached.detach();
    // A second process finds the same tree already there.
    const again = await catchUp(db.treeStore("tree-live"), db.store("tree-live"));
    expect(again.size).toBe(100);
    expect(await again.root()).toEqual(root);
  });

  it("refuses nodes that would rewrite the stored tree", async () => {
    const ledger = await openLedger({ store: db.store("tree-guard"), ledgerId: "guard.example/l" });
    await ledger.appendBatch(Array.from({ length: 8 }, (_, i) => sampleInput(i)));
    const tree = await catchUp(db.treeStore("tree-guard"), ledger.store);
    const store = db.treeStore("tree-guard");
    const leaf0 = { level: 0, index: 0, hash: new Uint8Array(32) };
    const e = await store.append([leaf0], 8, 9).catch((x: unknown) => x);
    expect(isDaichoError(e, "INVALID_ARGUMENT")).toBe(true);
    expect(await tree.root(8)).toEqual(bruteRoot(await leafHashes("tree-guard")));
  });

  it("has no tree for a tenant without a ledger, and writing one is NOT_FOUND", async () => {
    const store = db.treeStore("tree-nobody");
    expect(await store.size()).toBe(0);
    expect(await store.latestCheckpoint()).toBeUndefined();
    const e = await store.append([], 0, 0).catch((x: unknown) => x);
    expect(isDaichoError(e, "NOT_FOUND")).toBe(true);
  });

  it("keeps tenants' trees apart and erases a tenant's tree and checkpoints with it", async () => {
    const a = await openLedger({ store: db.store("tree-a"), ledgerId: "a.example/l" });
    const b = await openLedger({ store: db.store("tree-b"), ledgerId: "b.example/l" });
    await a.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(i)));
    await b.appendBatch(Array.from({ length: 9 }, (_, i) => sampleInput(i)));
    await catchUp(db.treeStore("tree-a"), a.store);
    await catchUp(db.treeStore("tree-b"), b.store);
    await db
      .treeStore("tree-a")
      .putCheckpoint({ size: 5, note: "x\n", createdAt: "2026-01-01T00:00:00Z" });
    expect(await db.treeStore("tree-b").latestCheckpoint()).toBeUndefined();
    await db.eraseTenant("tree-a", "a.example/l");
    const fresh = await openLedger({ store: db.store("tree-a"), ledgerId: "a2.example/l" });
    expect(await db.treeStore("tree-a").size()).toBe(0);
    expect(await db.treeStore("tree-a").latestCheckpoint()).toBeUndefined();
    expect(await db.treeStore("tree-b").size()).toBe(9);
    await fresh.close();
  });

  it("opened read-only, reads the tree and PostgreSQL refuses every write", async () => {
    const ledger = await openLedger({ store: db.store("tree-ro"), ledgerId: "ro.example/l" });
    await ledger.appendBatch(Array.from({ length: 12 }, (_, i) => sampleInput(i)));
    await catchUp(db.treeStore("tree-ro"), ledger.store);
    const ro = await openPostgres({
      connectionString: cluster.url,
      schema: SCHEMA,
      readonly: true,
    });
    try {
      const tree = await LedgerTree.open(ro.treeStore("tree-ro"), ro.store("tree-ro"));
      expect(tree.size).toBe(12);
      expect(await tree.root()).toEqual(bruteRoot(await leafHashes("tree-ro")));
      await expect(ro.treeStore("tree-ro").append([], 12, 12)).rejects.toMatchObject({
        code: "STORE_UNAVAILABLE",
      });
      // Even a store that tries: the connection itself is read-only.
      const raw = await ro.pool.query(`DELETE FROM ${SCHEMA}.tree_nodes`).catch((x) => x);
      expect((raw as { code?: string }).code).toBe("25006");
      const append = await ro
        .store("tree-ro")
        .append([(await ledger.store.get(0)) as never], null)
        .catch((x: unknown) => x);
      // Refused by the server for being read-only, before any head comparison.
      expect(isDaichoError(append, "STORE_UNAVAILABLE")).toBe(true);
      expect((append as { details?: { pg?: string } }).details?.pg).toBe("25006");
    } finally {
      await ro.close();
    }
    const missing = await openPostgres({
      connectionString: cluster.url,
      schema: "daicho_never_made",
      readonly: true,
    }).catch((x: unknown) => x);
    expect(isDaichoError(missing, "NOT_FOUND")).toBe(true);
  });
});
