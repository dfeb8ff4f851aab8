import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { storeConformance } from "@daicho/core/testing";
import { sqliteStore } from "./store";

storeConformance("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-sqlite-"));
  const path = join(dir, "ledger.db");
  return {
    store: sqliteStore(path),
    reopen: async () => sqliteStore(path),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

// The same contract with tiny pages, so every paged read (events, subject pages, index
// counts) crosses many page boundaries.
storeConformance("sqlite, pages of 7 rows", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-sqlite-"));
  const path = join(dir, "ledger.db");
  return {
    store: sqliteStore(path, { pageSize: 7 }),
    reopen: async () => sqliteStore(path, { pageSize: 7 }),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});
