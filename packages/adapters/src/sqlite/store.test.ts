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
