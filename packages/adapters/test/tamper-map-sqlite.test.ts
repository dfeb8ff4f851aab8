/**
 * The stored subject map of a real SQLite ledger (tables `daicho_map_versions`,
 * `daicho_map_records`), attacked by editing rows with a plain SQLite connection: see
 * `map-tamper.ts` for the cases and what each must give.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "@daicho/core";
import { catchUp } from "@daicho/core/merkle";
import Database from "better-sqlite3";
import { afterAll, beforeAll } from "vitest";
import { sqliteStore } from "../src/sqlite/store";
import { sqliteTreeStore } from "../src/sqlite/tree-store";
import {
  LEDGER_ID,
  type MapRow,
  mapTamperSuite,
  type TamperCase,
  writeHistory,
} from "./map-tamper";

let dir: string;
let original: string;
let copies = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-map-tamper-"));
  original = join(dir, "ledger.db");
  const ledger = await openLedger({ store: sqliteStore(original), ledgerId: LEDGER_ID });
  const tree = await catchUp(sqliteTreeStore(original), ledger.store);
  await writeHistory(ledger, tree);
  await tree.store.close();
  await ledger.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A copy of the ledger file, edited through its own plain SQLite connection. */
async function fresh(): Promise<TamperCase> {
  const path = join(dir, `copy-${copies++}.db`);
  copyFileSync(original, path);
  const raw = () => new Database(path);
  const run = (sql: string, ...params: unknown[]) => {
    const db = raw();
    try {
      return db.prepare(sql).run(...params);
    } finally {
      db.close();
    }
  };
  return {
    async rows() {
      const db = raw();
      try {
        return db
          .prepare("SELECT path, version, record FROM daicho_map_records ORDER BY version, path")
          .all() as MapRow[];
      } finally {
        db.close();
      }
    },
    async update(row, record) {
      run(
        "UPDATE daicho_map_records SET record = ? WHERE path = ? AND version = ?",
        record,
        row.path,
        row.version,
      );
    },
    async remove(row) {
      run("DELETE FROM daicho_map_records WHERE path = ? AND version = ?", row.path, row.version);
    },
    async insert(row) {
      run(
        "INSERT INTO daicho_map_records (path, version, record) VALUES (?, ?, ?)",
        row.path,
        row.version,
        row.record,
      );
    },
    async removeVersion(version) {
      run("DELETE FROM daicho_map_versions WHERE version = ?", version);
    },
    async openReadOnly() {
      const ledger = await openLedger({ store: sqliteStore(path, { readonly: true }) });
      const treeStore = sqliteTreeStore(path, { readonly: true });
      return {
        ledger,
        treeStore,
        close: async () => {
          await treeStore.close();
          await ledger.close();
        },
      };
    },
    async openWritable() {
      const ledger = await openLedger({ store: sqliteStore(path) });
      const tree = await catchUp(sqliteTreeStore(path), ledger.store);
      return {
        ledger,
        tree,
        treeStore: tree.store,
        close: async () => {
          await tree.store.close();
          await ledger.close();
        },
      };
    },
    async dispose() {
      rmSync(path, { force: true });
      rmSync(`${path}-wal`, { force: true });
      rmSync(`${path}-shm`, { force: true });
    },
  };
}

mapTamperSuite("SQLite", fresh, 25);
