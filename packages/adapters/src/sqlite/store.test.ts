import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DaichoError, isDaichoError } from "@daicho/core";
import { storeConformance } from "@daicho/core/testing";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "./store";
import { sqliteTreeStore } from "./tree-store";

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

describe("opening a ledger file whose directory is missing", () => {
  it("says which directory to create, instead of `SQLite error (unknown)`, and creates nothing", () => {
    // (Read-only opens, the auditor's, say "ledger file does not exist" before SQLite runs.)
    const dir = mkdtempSync(join(tmpdir(), "daicho-sqlite-"));
    try {
      const missing = join(dir, "not-yet", "deeper");
      const path = join(missing, "ledger.db");
      for (const open of [() => sqliteStore(path), () => sqliteTreeStore(path)]) {
        let caught: unknown;
        try {
          open();
        } catch (e) {
          caught = e;
        }
        expect(isDaichoError(caught, "NOT_FOUND")).toBe(true);
        expect((caught as DaichoError).reason).toBe(
          `directory ${missing} does not exist: create it first`,
        );
        expect((caught as DaichoError).path).toBe(path);
        expect(existsSync(join(dir, "not-yet"))).toBe(false);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
