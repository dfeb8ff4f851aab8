import { copyFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type EventInput, openLedger } from "@daicho/core";
import { isRedacted } from "@daicho/core/crypto";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { categoryKeySubject, isTombstone } from "@daicho/core/keys";
import { describe, expect, it } from "vitest";
import { sqliteStore } from "../sqlite/index";
import { sqliteKeyStore } from "./store";

const kek = { id: "kek-cat", key: new Uint8Array(32).fill(21) };
const signer = ed25519Signer("category-shredding.test", new Uint8Array(32).fill(22));

function occursIn(dir: string, needle: Uint8Array): boolean {
  return readdirSync(dir).some(
    (f) => readFileSync(join(dir, f)).indexOf(Buffer.from(needle)) !== -1,
  );
}

describe("category crypto-shredding on SQLite", () => {
  it("leaves no copy of the category key in any file, and a key file restored from before cannot serve it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-cat-"));
    const backupDir = mkdtempSync(join(tmpdir(), "daicho-cat-backup-"));
    try {
      const keyFile = join(dir, "keys.db");
      const ledger = await openLedger({
        store: sqliteStore(join(dir, "ledger.db")),
        ledgerId: "cat-shred.test/ledger",
        keys: { store: sqliteKeyStore(keyFile), kek },
      });
      const erasure = erasureService({ ledger, signer, actor: { id: "dpo", role: "dpo" } });
      await erasure.declareCategories([{ name: "marketing", fields: ["interests"] }]);
      const event = await ledger.append({
        type: "record.updated",
        actor: { id: "crm" },
        subjects: ["c-1"],
        payload: { resource: { type: "contact", id: "c-1" }, fields: ["email", "interests"] },
        personal: [
          { subject: "c-1", field: "email", value: "hanako@example.jp" },
          { subject: "c-1", field: "interests", value: "golf" },
        ],
      } as EventInput);
      const ring = ledger.keys;
      if (ring === undefined) throw new Error("no keys");
      const records = await ring.store.forSubject(categoryKeySubject("c-1", "marketing"));
      if (isTombstone(records) || records[0] === undefined) throw new Error("no category key");
      const record = records[0];
      const own = await ring.store.forSubject("c-1");
      if (isTombstone(own) || own[0] === undefined) throw new Error("no subject key");
      const rawKey = (await ring.readKey("c-1", record.keyId)) as Uint8Array;
      expect(occursIn(dir, record.wrapped)).toBe(true); // the scan sees it before
      copyFileSync(keyFile, join(backupDir, "keys.db")); // the operator's backup

      const r = await erasure.request("c-1", {
        requestedBy: "c-1",
        channel: "web-form",
        category: "marketing",
      });
      const out = await erasure.execute(r.requestId);
      expect(out.certificate.certificate.keyCopies).toBe("none");
      expect(occursIn(dir, record.wrapped)).toBe(false);
      expect(occursIn(dir, rawKey)).toBe(false);
      expect(occursIn(dir, (own[0] as { wrapped: Uint8Array }).wrapped)).toBe(true); // kept
      await ring.store.close();
      await ledger.close();

      // Restore the key file from the backup, beside the ledger that holds the fence.
      expect(occursIn(backupDir, record.wrapped)).toBe(true);
      const restored = await openLedger({
        store: sqliteStore(join(dir, "ledger.db")),
        keys: { store: sqliteKeyStore(join(backupDir, "keys.db")), kek },
      });
      const fields = await restored.openPersonal(event);
      expect(fields.map((f) => (isRedacted(f.value) ? f.value.reason : f.value))).toEqual([
        "hanako@example.jp",
        "erased",
      ]);
      await restored.keys?.store.close();
      await restored.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
      rmSync(backupDir, { recursive: true, force: true });
    }
  });
});
