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

mapStoreConformance("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-map-"));
  const path = join(dir, "ledger.db");
  const opened = [sqliteTreeStore(path)];
  return {
    store: mapOf(opened[0] as TreeStore),
    reopen: async () => {
      const again = sqliteTreeStore(path);
      opened.push(again);
      return mapOf(again);
    },
    dispose: async () => {
      for (const t of opened) await t.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
});
