import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, openLedger } from "@daicho/core";
import { keyStoreConformance, personalInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "../sqlite/index";
import { KEY_MIGRATIONS } from "./schema";
import { sqliteKeyStore } from "./store";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(4) };

keyStoreConformance("sqlite", async () => {
  const dir = mkdtempSync(join(tmpdir(), "daicho-keys-"));
  const path = join(dir, "keys.db");
  return {
    store: sqliteKeyStore(path),
    reopen: async () => sqliteKeyStore(path),
    dispose: async () => rmSync(dir, { recursive: true, force: true }),
  };
});

describe("sqliteKeyStore", () => {
  it("keeps no key row for batches that were rejected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-keys-"));
    try {
      const ledger = await openLedger({
        store: sqliteStore(join(dir, "ledger.db")),
        ledgerId: "keys.test/ledger",
        keys: { store: sqliteKeyStore(join(dir, "keys.db")), kek },
        maxEventBytes: 4096,
      });
      const kept = await ledger.append(personalInput("c-0", "kept@example.org"));
      for (let i = 1; i <= 50; i++) {
        const bad =
          i % 2 === 0
            ? ledger.append(personalInput(`c-${i}`, "x".repeat(5000)))
            : ledger.append({ ...personalInput(`c-${i}`, "dup"), id: kept.id });
        expect(isDaichoError(await bad.catch((e) => e))).toBe(true);
      }
      await ledger.close();
      const raw = new Database(join(dir, "keys.db"), { readonly: true });
      expect(raw.prepare("SELECT count(*) AS n FROM daicho_data_keys").get()).toEqual({ n: 1 });
      raw.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("upgrades a version-1 key file: its keys become permanent keys", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-keys-"));
    try {
      const path = join(dir, "keys.db");
      const v1 = new Database(path);
      v1.exec(KEY_MIGRATIONS[0] as string);
      v1.pragma("user_version = 1");
      v1.prepare(
        "INSERT INTO daicho_data_keys (key_id, subject, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)",
      ).run("dk1-01", "c-1", "kek-1", Buffer.alloc(73, 1), "2026-01-01T00:00:00.000Z");
      v1.close();
      const store = sqliteKeyStore(path);
      const [r] = (await store.forSubject("c-1")) as readonly { provisional?: boolean }[];
      expect(r?.provisional ?? false).toBe(false);
      expect(await store.discardProvisional("c-1", "dk1-01")).toBe(false);
      await store.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("refuses to keep keys in the ledger's own file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-keys-"));
    try {
      const path = join(dir, "ledger.db");
      const ledger = await openLedger({ store: sqliteStore(path), ledgerId: "keys.test/ledger" });
      await ledger.close();
      let err: unknown;
      try {
        sqliteKeyStore(path);
      } catch (e) {
        err = e;
      }
      expect(isDaichoError(err, "INVALID_ARGUMENT")).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("a tombstone edited outside the library", () => {
  for (const [what, value] of [
    ["not JSON", "[kek-1"],
    ["not an array", '{"0":"k-1"}'],
    ["an id that is not a string", '["k-1",7]'],
  ] as const) {
    it(`whose key ids are ${what} is STORE_CORRUPT, naming no subject`, async () => {
      const dir = mkdtempSync(join(tmpdir(), "daicho-keys-"));
      const path = join(dir, "keys.db");
      try {
        const keys = sqliteKeyStore(path);
        await keys.destroy("subject-hanako", "2026-12-05T00:00:00Z");
        expect(await keys.forSubject("subject-hanako")).toMatchObject({ keyIds: [] });
        await keys.close();
        const db = new Database(path);
        db.prepare("UPDATE daicho_key_tombstones SET key_ids = ?").run(value);
        db.close();
        const reopened = sqliteKeyStore(path);
        const e = await reopened.forSubject("subject-hanako").catch((x: unknown) => x);
        expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
        expect(String((e as Error).message)).not.toContain("hanako");
        await reopened.close();
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
  }
});
