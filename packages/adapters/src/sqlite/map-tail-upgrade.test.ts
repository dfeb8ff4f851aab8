import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, mapCheck, treeCheck } from "@daicho/core/checkpoint";
import { mapKey, mapPath } from "@daicho/core/map";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { describe, expect, it } from "vitest";
import { MIGRATIONS } from "./schema";
import { sqliteStore } from "./store";
import { sqliteTreeStore } from "./tree-store";

const ORIGIN = "tail-upgrade.sqlite.test/ledger";
const signer = ed25519Signer(ORIGIN, new Uint8Array(32).fill(4));
const EMPTY32 = new Uint8Array(32);

/** Run `f` in a fresh temporary directory, removed afterwards. */
async function inTempDir(f: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), "daicho-tail-"));
  try {
    await f(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A ledger with three checkpoints, then made a schema-version-3 file (no tail table). */
async function version3File(dir: string): Promise<string> {
  const path = join(dir, "ledger.db");
  const ledger = await openLedger({ store: sqliteStore(path), ledgerId: ORIGIN });
  const tree = await catchUp(sqliteTreeStore(path, { mapTailRecords: 0 }), ledger.store);
  for (let round = 0; round < 3; round++) {
    await ledger.appendBatch(
      Array.from({ length: 10 }, (_, i) =>
        sampleInput(round * 10 + i, `s-${(round * 10 + i) % 7}`),
      ),
    );
    await tree.catchUp();
    await emitCheckpoint(tree, signer, ORIGIN);
  }
  await tree.store.close();
  await ledger.close();
  const db = new Database(path);
  db.exec("DROP TABLE daicho_map_tail");
  db.pragma("user_version = 3");
  db.close();
  return path;
}

async function verifyReadOnly(path: string) {
  const ledger = await openLedger({ store: sqliteStore(path, { readonly: true }) });
  const treeStore = sqliteTreeStore(path, { readonly: true });
  try {
    const report = await ledger.verify({
      also: [
        await treeCheck(treeStore, { origin: ORIGIN, policy: { keys: [signer.verifier] } }),
        await mapCheck(treeStore),
      ],
    });
    return { report, map: treeStore.map };
  } finally {
    await treeStore.close();
    await ledger.close();
  }
}

describe("a SQLite file written before the map's tail (schema version 3)", () => {
  it("opens read-only with its map, verifies it, and writes nothing", () =>
    inTempDir(async (dir) => {
      const path = await version3File(dir);
      const { report, map } = await verifyReadOnly(path);
      expect(report.ok && report.checked).toContain("map-store");
      expect(map).toBeDefined();
      const db = new Database(path, { readonly: true });
      expect(db.pragma("user_version", { simple: true })).toBe(3);
      const tail = db.prepare("SELECT 1 FROM sqlite_master WHERE name = 'daicho_map_tail'").get();
      db.close();
      expect(tail).toBeUndefined();
    }));

  it("refuses a map write through a read-only open (STORE_UNAVAILABLE)", () =>
    inTempDir(async (dir) => {
      const path = await version3File(dir);
      const treeStore = sqliteTreeStore(path, { readonly: true });
      const e = await treeStore.map?.putVersion(1000, []).catch((x) => x);
      await treeStore.close();
      expect(isDaichoError(e, "STORE_UNAVAILABLE")).toBe(true);
    }));

  it("is upgraded on its first writable open, keeps its indexed versions and extends them through the tail", () =>
    inTempDir(async (dir) => {
      const path = await version3File(dir);
      const ledger = await openLedger({ store: sqliteStore(path) });
      const tree = await catchUp(sqliteTreeStore(path), ledger.store);
      await ledger.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(30 + i, `t-${i}`)));
      await tree.catchUp();
      await emitCheckpoint(tree, signer, ORIGIN);
      await tree.store.close();
      await ledger.close();
      const db = new Database(path, { readonly: true });
      expect(db.pragma("user_version", { simple: true })).toBe(MIGRATIONS.length);
      expect(
        (db.prepare("SELECT version FROM daicho_map_tail").all() as { version: number }[]).map(
          (r) => r.version,
        ),
      ).toEqual([35]);
      db.close();
      const { report } = await verifyReadOnly(path);
      expect(report.ok && report.checked).toContain("map-store");
    }));

  it("a read-only open held while a writer of this release adds the tail sees the versions put there", () =>
    inTempDir(async (dir) => {
      const path = await version3File(dir);
      // Another process holds the file open, so the read-only open reads it live (WAL).
      const other = new Database(path);
      other.pragma("journal_mode = WAL");
      const reader = sqliteTreeStore(path, { readonly: true });
      const writer = sqliteTreeStore(path);
      const path0 = mapPath(0, mapKey("a"));
      const node = {
        kind: "node" as const,
        left: new Uint8Array(32).fill(1),
        right: new Uint8Array(32),
      };
      await writer.map?.putVersion(1000, [{ path: path0, record: node }]);
      expect(await reader.map?.readVersion(1000)).toEqual([{ path: path0, record: node }]);
      expect(await reader.map?.readAsOf(1000, [path0])).toEqual([node]);
      expect(await reader.map?.recordCount()).toBe(await writer.map?.recordCount());
      await reader.close();
      await writer.close();
      other.close();
    }));
});

describe("the mapTailRecords option", () => {
  it("is refused (INVALID_ARGUMENT) before any file is opened or created", () =>
    inTempDir(async (dir) => {
      for (const bad of [-1, 1.5, Number.NaN, 2 ** 60]) {
        const e = (() => {
          try {
            sqliteTreeStore(join(dir, "never.db"), { mapTailRecords: bad });
          } catch (x) {
            return x;
          }
        })();
        expect(isDaichoError(e, "INVALID_ARGUMENT")).toBe(true);
      }
      expect(existsSync(join(dir, "never.db"))).toBe(false);
    }));

  it("0 keeps no tail row, even for a version with no records", () =>
    inTempDir(async (dir) => {
      const path = join(dir, "ledger.db");
      const store = sqliteTreeStore(path, { mapTailRecords: 0 });
      await store.map?.putVersion(1, []);
      await store.map?.putVersion(2, [
        {
          path: mapPath(0, mapKey("a")),
          record: { kind: "node", left: new Uint8Array(32), right: new Uint8Array(32) },
        },
      ]);
      await store.close();
      const db = new Database(path, { readonly: true });
      expect(
        (db.prepare("SELECT count(*) AS n FROM daicho_map_tail").get() as { n: number }).n,
      ).toBe(0);
      expect(
        (db.prepare("SELECT count(*) AS n FROM daicho_map_records").get() as { n: number }).n,
      ).toBe(1);
      db.close();
    }));

  it("merges once the tail passes the limit, counting rows another process wrote (two stores on one file)", () =>
    inTempDir(async (dir) => {
      const path = join(dir, "ledger.db");
      const [a, b] = [0, 1].map(() => sqliteTreeStore(path, { mapTailRecords: 10 }));
      const writes = (v: number) =>
        [0, 1, 2, 3].map((i) => ({
          path: mapPath(8, mapKey(`s-${v}-${i}`)),
          record: { kind: "node" as const, left: new Uint8Array(32).fill(v), right: EMPTY32 },
        }));
      const rows = () => {
        const db = new Database(path, { readonly: true });
        const n = (t: string) =>
          (db.prepare(`SELECT count(*) AS n FROM ${t}`).get() as { n: number }).n;
        const out = [n("daicho_map_tail"), n("daicho_map_records")];
        db.close();
        return out;
      };
      await a?.map?.putVersion(1, writes(1));
      await b?.map?.putVersion(2, writes(2));
      expect(rows()).toEqual([2, 0]);
      // Each store has read the other's row by now only through this count: 8 + 4 > 10.
      await a?.map?.putVersion(3, writes(3));
      expect(rows()).toEqual([0, 12]);
      await b?.map?.putVersion(4, writes(4));
      await a?.map?.putVersion(5, writes(5));
      expect(rows()).toEqual([2, 12]);
      for (const v of [1, 3, 5]) expect(await b?.map?.readVersion(v)).toHaveLength(4);
      await a?.close();
      await b?.close();
    }));
});
