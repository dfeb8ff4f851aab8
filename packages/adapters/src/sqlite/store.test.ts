import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DaichoError, isDaichoError, openLedger } from "@daicho/core";
import { sampleInputs, storeConformance, typeIndexConformance } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "./schema";
import { sqliteStore } from "./store";
import { sqliteTreeStore } from "./tree-store";

const sqlite = async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-sqlite-"));
  const path = join(dir, "ledger.db");
  return {
    store: sqliteStore(path),
    reopen: async () => sqliteStore(path),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
};
storeConformance("sqlite", sqlite);
typeIndexConformance("sqlite", sqlite);

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

describe("the index by type across schema versions", () => {
  it("migrates a schema-1 file on a writable open, and reads one as evidence without writing to it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-sqlite-"));
    try {
      const path = join(dir, "ledger.db");
      const ledger = await openLedger({ store: sqliteStore(path), ledgerId: "schema.test/l" });
      await ledger.appendBatch(sampleInputs(40));
      await ledger.close();
      // Make it a file an older release wrote: no index by type, user_version 1.
      const db = new Database(path);
      db.exec("DROP INDEX daicho_events_by_type");
      db.pragma("user_version = 1");
      db.close();
      const before = readFileSync(path);
      const evidence = sqliteStore(path, { readonly: true });
      const types = ["data.accessed", "consent.granted"];
      const got = (await evidence.readByType(types, 0, 100)).map((e) => e.seq);
      expect(got).toEqual(
        sampleInputs(40)
          .map((input, seq) => ({ input, seq }))
          .filter(({ input }) => types.includes(input.type))
          .map(({ seq }) => seq),
      );
      expect(await (await openLedger({ store: evidence })).verify()).toMatchObject({ ok: true });
      expect(readFileSync(path).equals(before)).toBe(true);
      const writable = sqliteStore(path);
      await writable.close();
      const after = new Database(path, { readonly: true });
      expect(after.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(
        after.prepare("SELECT name FROM sqlite_master WHERE name = 'daicho_events_by_type'").all(),
      ).toHaveLength(1);
      // Schema 3: the durable subject map's tables (spec §12.9).
      expect(
        after
          .prepare(
            "SELECT name FROM sqlite_master WHERE name IN ('daicho_map_versions', 'daicho_map_records')",
          )
          .all(),
      ).toHaveLength(2);
      after.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
