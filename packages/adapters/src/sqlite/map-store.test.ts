import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { MapStore } from "@daicho/core/map";
import type { TreeStore } from "@daicho/core/merkle";
import { mapStoreConformance } from "@daicho/core/testing";
import { sqliteTreeStore } from "./tree-store";

/** The tree store's durable map, and the tree stores opened for it (closed at dispose). */
function mapOf(tree: TreeStore): MapStore {
  if (tree.map === undefined) throw new Error("the SQLite tree store has no map store");
  return tree.map;
}

/**
 * The suite three ways: the default tail (every version of the suite stays in it), no
 * tail (every version straight into the indexed table), and a tail of 3 records (merges
 * in the middle of the suite's histories, so reads span both tables).
 */
for (const [name, mapTailRecords] of [
  ["sqlite", undefined],
  ["sqlite, no tail", 0],
  ["sqlite, a tail of 3 records", 3],
] as const)
  mapStoreConformance(name, async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-map-"));
    const path = join(dir, "ledger.db");
    const options = mapTailRecords === undefined ? {} : { mapTailRecords };
    const opened = [sqliteTreeStore(path, options)];
    return {
      store: mapOf(opened[0] as TreeStore),
      reopen: async () => {
        const again = sqliteTreeStore(path, options);
        opened.push(again);
        return mapOf(again);
      },
      dispose: async () => {
        for (const t of opened) await t.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  });
