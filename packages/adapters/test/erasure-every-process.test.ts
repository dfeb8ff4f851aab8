import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "@daicho/core";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { personalInput } from "@daicho/core/testing";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteStore } from "../src/sqlite/index";
import { sqliteKeyStore } from "../src/sqlite-keys/index";
import { spawnLineChild } from "./child";

// Issue 11 item 11: once `execute` resolves, no process sharing the ledger serves the
// erased subject's key — not even one that cached it a moment before (60 s age limit).

const kekBytes = Array.from({ length: 32 }, (_, i) => 200 - i);
const kek = { id: "kek-every", key: Uint8Array.from(kekBytes) };

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-every-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe("an erasure holds in every process before execute reports it", () => {
  it("a second worker that cached the key reads Redacted and cannot write on its very next call", {
    timeout: 60_000,
  }, async () => {
    const paths = { ledger: join(dir, "ledger.db"), keys: join(dir, "keys.db") };
    const ledger = await openLedger({
      store: sqliteStore(paths.ledger),
      ledgerId: "every.test/ledger",
      keys: { store: sqliteKeyStore(paths.keys), kek },
    });
    await ledger.append(personalInput("c-victim", "victim@example.org"));
    await ledger.append(personalInput("c-other", "other@example.org"));
    const worker = spawnLineChild("reader-worker.ts", { ...paths, kek: kekBytes });
    try {
      await worker.next("ready");
      worker.send("read");
      expect(JSON.parse((await worker.next("values ")).slice(7))).toEqual([
        "victim@example.org",
        "other@example.org",
      ]);
      const erasure = erasureService({
        ledger,
        signer: ed25519Signer("every.test", new Uint8Array(32).fill(3)),
        actor: { id: "dpo" },
      });
      const r = await erasure.request("c-victim", { requestedBy: "c-victim", channel: "email" });
      expect((await erasure.execute(r.requestId)).outcome).toBe("erased");
      worker.send("read");
      expect(JSON.parse((await worker.next("values ")).slice(7))).toEqual([
        { _tag: "Redacted", reason: "erased" },
        "other@example.org",
      ]);
      worker.send("write c-victim");
      expect(await worker.next("")).toBe("error KEY_ERASED");
      worker.send("write c-other");
      expect(await worker.next("")).toBe("wrote");
    } finally {
      worker.child.kill();
      await worker.exited;
      await ledger.close();
    }
  });
});
