/**
 * A new process (fresh stores on the same storage) emitting its first checkpoint extends
 * the durable subject map from the previous checkpoint: it reads the events since then
 * and the map paths of the subjects they name, never every event (which an in-memory map
 * must, 33 s at 10^5 events).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger, type ReadRange, type Store } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, mapCheck } from "@daicho/core/checkpoint";
import { catchUp, type TreeStore } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { openPostgres, type PostgresDatabase } from "../src/postgres/index";
import { sqliteStore } from "../src/sqlite/store";
import { sqliteTreeStore } from "../src/sqlite/tree-store";

const LEDGER = "map-restart.test/ledger";
const signer = ed25519Signer(LEDGER, new Uint8Array(32).fill(3));

/** `store` with the first seq of every `read` it serves recorded in `froms`. */
function recording(store: Store, froms: number[]): Store {
  return new Proxy(store, {
    get(target, prop, receiver) {
      if (prop === "read")
        return (range?: ReadRange) => {
          froms.push(range?.from ?? 0);
          return target.read(range);
        };
      const v = Reflect.get(target, prop, receiver);
      return typeof v === "function" ? v.bind(target) : v;
    },
  });
}

let cluster: PgCluster | undefined;
let db: PostgresDatabase | undefined;
const dir = mkdtempSync(join(tmpdir(), "daicho-map-restart-"));
beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({
    connectionString: cluster.url,
    schema: `map_restart_${process.pid}`,
    migrate: true,
  });
});
afterAll(async () => {
  await db?.close();
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const targets: { name: string; open: () => { store: Store; tree: TreeStore } }[] = [
  {
    name: "SQLite",
    open: () => ({
      store: sqliteStore(join(dir, "l.db")),
      tree: sqliteTreeStore(join(dir, "l.db")),
    }),
  },
  {
    name: "PostgreSQL",
    open: () => ({
      store: (db as PostgresDatabase).store("restart"),
      tree: (db as PostgresDatabase).treeStore("restart"),
    }),
  },
];

describe.each(targets)("$name: a new process's first checkpoint", ({ open }) => {
  it("reads only the events since the previous checkpoint, and signs the map the events give", async () => {
    const one = open();
    const first = await openLedger({ store: one.store, ledgerId: LEDGER });
    await first.appendBatch(Array.from({ length: 300 }, (_, i) => sampleInput(i, `s-${i % 41}`)));
    const tree1 = await catchUp(one.tree, first.store);
    await emitCheckpoint(tree1, signer, LEDGER);
    await tree1.store.close();
    await first.close();

    // "Another process": new store objects, nothing shared in memory.
    const froms: number[] = [];
    const two = open();
    const ledger = await openLedger({ store: recording(two.store, froms) });
    await ledger.appendBatch(Array.from({ length: 20 }, (_, i) => sampleInput(300 + i, `s-${i}`)));
    const tree = await catchUp(two.tree, ledger.store);
    froms.length = 0;
    const cp = await emitCheckpoint(tree, signer, LEDGER);
    expect(cp.size).toBe(320);
    // The previous checkpoint's last event (its inclusion is checked) and the new ones.
    expect(Math.min(...froms)).toBeGreaterThanOrEqual(299);
    const report = await ledger.verify({ also: [await mapCheck(tree.store)] });
    expect(report.ok && report.checked).toContain("map-store");
    await tree.store.close();
    await ledger.close();
  });
});
