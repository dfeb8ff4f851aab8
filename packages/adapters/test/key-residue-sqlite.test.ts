import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, openLedger } from "@daicho/core";
import { isRedacted, wrapDataKey } from "@daicho/core/crypto";
import { unwrappingRanges } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { sqliteStore } from "../src/sqlite/index";
import { sqliteKeyStore } from "../src/sqlite-keys/index";
import { spawnLineChild } from "./child";
import { filesBelow } from "./key-scan";

// Issue 11 item 9, SQLite: once `execute` reports a subject erased, no byte range of any
// file in the directory (ledger, key store, and any journal, -wal or -shm) unwraps as the
// subject's key under the KEK in use — even while another process holds the key file
// open in a read transaction and the eraser is killed straight after.

const kekBytes = Array.from({ length: 32 }, (_, i) => i + 1);
const kek = { id: "kek-residue", key: Uint8Array.from(kekBytes) };
const VICTIM = "c-victim";
const OTHER = "c-other";

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-residue-"));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const paths = () => ({ ledger: join(dir, "ledger.db"), keys: join(dir, "keys.db") });

describe("destroyed keys leave nothing that unwraps (SQLite key store)", () => {
  it("finds zero unwrapping byte ranges after an erasure while another process reads the key file and the eraser is killed", {
    timeout: 60_000,
  }, async () => {
    const eraser = spawnLineChild("erase-worker.ts", {
      ...paths(),
      kek: kekBytes,
      victim: VICTIM,
      other: OTHER,
      busyTimeoutMs: 300,
    });
    await eraser.next("ready");
    eraser.send("seed");
    const keyId = (await eraser.next("seeded ")).split(" ")[1] as string;
    const binding = { keyId, subject: VICTIM, kekId: kek.id };
    // The scan sees the live key before the erasure: it would see a remnant after.
    expect(unwrappingRanges(filesBelow(dir), kek, [binding]).length).toBeGreaterThan(0);

    const holder = spawnLineChild("key-holder-worker.ts", { keys: paths().keys });
    await holder.next("ready");
    holder.send("read-begin");
    await holder.next("reading");
    eraser.send("erase");
    // The read outlasts the eraser's busy timeout; it ends after 1.5 s or once the eraser
    // reports done, whichever comes first.
    const erased = eraser.next("erased ", 30_000);
    await Promise.race([erased, new Promise((r) => setTimeout(r, 1500))]);
    holder.send("read-end");
    await holder.next("read-ended");
    await erased;
    eraser.child.kill("SIGKILL");
    await eraser.exited;

    expect(unwrappingRanges(filesBelow(dir), kek, [binding])).toEqual([]);
    holder.child.kill("SIGKILL");
    await holder.exited;
    expect(unwrappingRanges(filesBelow(dir), kek, [binding])).toEqual([]);

    // What is left still works: the victim reads as erased, the other subject in clear.
    const ledger = await openLedger({
      store: sqliteStore(paths().ledger),
      keys: { store: sqliteKeyStore(paths().keys), kek },
    });
    const values: unknown[] = [];
    for await (const e of ledger.readOpened()) values.push(...e.fields.map((f) => f.value));
    expect(values.filter((v) => isRedacted(v) && v.reason === "erased")).toHaveLength(2);
    expect(values).toContain("other@example.org");
    await ledger.close();
    expect(unwrappingRanges(filesBelow(dir), kek, [binding])).toEqual([]);
  });

  it("migrates a key file an older version left in WAL mode: the WAL is folded and deleted, no destroyed key survives", async () => {
    const { keys } = paths();
    await sqliteKeyStore(keys).close(); // the schema
    // What an older version did: WAL mode and secure_delete, a key inserted then destroyed,
    // and the process killed before any checkpoint, so the inserting frame is in keys.db-wal.
    const binding = {
      keyId: "dk1-00000000000000000000000000000001",
      subject: VICTIM,
      kekId: kek.id,
    };
    const wrapped = wrapDataKey(kek, binding, new Uint8Array(32).fill(9));
    const old = new Database(keys);
    old.pragma("journal_mode = WAL");
    old.pragma("secure_delete = ON");
    old.pragma("wal_autocheckpoint = 0");
    old
      .prepare(
        "INSERT INTO daicho_data_keys (key_id, subject, kek_id, wrapped, created_at) VALUES (?, ?, ?, ?, ?)",
      )
      .run(binding.keyId, VICTIM, kek.id, Buffer.from(wrapped), "2026-01-01T00:00:00.000Z");
    old.prepare("DELETE FROM daicho_data_keys WHERE subject = ?").run(VICTIM);
    const killed = filesBelow(dir).map((f) => ({ name: f.name, bytes: Buffer.from(f.bytes) }));
    old.close(); // a clean close would fold the WAL: put the killed process's files back
    for (const f of killed) writeFileSync(f.name, f.bytes);
    expect(unwrappingRanges(filesBelow(dir), kek, [binding]).length).toBeGreaterThan(0);

    const reopened = sqliteKeyStore(keys);
    expect(await reopened.count()).toBe(0);
    expect(filesBelow(dir).map((f) => f.name)).toEqual([keys]);
    expect(unwrappingRanges(filesBelow(dir), kek, [binding])).toEqual([]);
    await reopened.close();
  });

  it("refuses to open a key file another process holds open in WAL mode, changing nothing", async () => {
    const { keys } = paths();
    await sqliteKeyStore(keys).close();
    const old = new Database(keys);
    old.pragma("journal_mode = WAL");
    old.prepare("SELECT count(*) FROM daicho_data_keys").get();
    let err: unknown;
    try {
      sqliteKeyStore(keys, { busyTimeoutMs: 50 });
    } catch (e) {
      err = e;
    }
    expect(isDaichoError(err, "STORE_UNAVAILABLE")).toBe(true);
    expect(old.pragma("journal_mode", { simple: true })).toBe("wal");
    old.close();
  });
});
