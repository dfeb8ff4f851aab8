import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, openLedger } from "@daicho/core";
import { keyStoreConformance } from "@daicho/core/testing";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "../sqlite/index";
import { sqliteKeyStore } from "./store";

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
