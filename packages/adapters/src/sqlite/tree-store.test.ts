import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "@daicho/core";
import { catchUp } from "@daicho/core/merkle";
import { sampleInputs, treeStoreConformance } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "./store";
import { sqliteTreeStore } from "./tree-store";

treeStoreConformance("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-tree-"));
  const path = join(dir, "ledger.db");
  return {
    store: sqliteTreeStore(path),
    reopen: async () => sqliteTreeStore(path),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("SQLite tree store beside the event store", () => {
  it("shares the ledger file without touching the event tables", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-tree-"));
    const path = join(dir, "ledger.db");
    const ledger = await openLedger({ store: sqliteStore(path), ledgerId: "tree.test/ledger" });
    await ledger.appendBatch(sampleInputs(30));
    const schemaBefore = new Database(path, { readonly: true })
      .prepare("SELECT name, sql FROM sqlite_master WHERE name LIKE 'daicho_event%' ORDER BY name")
      .all();
    const tree = await catchUp(sqliteTreeStore(path), ledger.store);
    expect(tree.size).toBe(30);
    const db = new Database(path, { readonly: true });
    expect(
      db
        .prepare(
          "SELECT name, sql FROM sqlite_master WHERE name LIKE 'daicho_event%' ORDER BY name",
        )
        .all(),
    ).toEqual(schemaBefore);
    expect(db.pragma("user_version", { simple: true })).toBeGreaterThan(0);
    db.close();
    const readonly = sqliteTreeStore(path, { readonly: true });
    expect(await readonly.size()).toBe(30);
    await expect(readonly.append([], 30, 31)).rejects.toMatchObject({ code: "STORE_UNAVAILABLE" });
    await readonly.close();
    await tree.store.close();
    await ledger.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("reads a ledger file without tree tables as an empty tree when opened read-only", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-tree-"));
    const path = join(dir, "ledger.db");
    const ledger = await openLedger({ store: sqliteStore(path), ledgerId: "tree.test/ledger" });
    await ledger.close();
    const store = sqliteTreeStore(path, { readonly: true });
    expect(await store.size()).toBe(0);
    expect(await store.listCheckpoints()).toEqual([]);
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
});
