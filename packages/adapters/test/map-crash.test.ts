/**
 * A process emitting a checkpoint is killed with SIGKILL after the subject-map version is
 * durable and before the checkpoint is stored, twice. The map version left without a
 * checkpoint must verify (it is the map of the events at its size), the next emission —
 * at the same size or a larger one, by another process — must succeed and sign the map
 * the events give, and extracts must verify.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, mapCheck, treeCheck } from "@daicho/core/checkpoint";
import { exportExtract } from "@daicho/core/extract";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../src/sqlite/store";
import { sqliteTreeStore } from "../src/sqlite/tree-store";
import { spawnLineChild } from "./child";

const LEDGER = "map-crash.test/ledger";
const SEED = 5;
const signer = ed25519Signer(LEDGER, new Uint8Array(32).fill(SEED));
const policy = { keys: [signer.verifier] };
const dir = mkdtempSync(join(tmpdir(), "daicho-map-crash-"));
const path = join(dir, "ledger.db");
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function killAfterMapWrite(from: number, count: number): Promise<number> {
  const w = spawnLineChild("map-crash-worker.ts", {
    path,
    ledgerId: LEDGER,
    from,
    count,
    seed: SEED,
  });
  const line = await w.next("map-written ", 120_000);
  w.child.kill("SIGKILL");
  const exit = await w.exited;
  expect(exit.signal).toBe("SIGKILL");
  return Number(line.split(" ")[1]);
}

async function open() {
  const ledger = await openLedger({ store: sqliteStore(path) });
  const tree = await catchUp(sqliteTreeStore(path), ledger.store);
  const verify = async () =>
    ledger.verify({
      also: [await treeCheck(tree.store, { origin: LEDGER, policy }), await mapCheck(tree.store)],
    });
  return {
    ledger,
    tree,
    verify,
    close: async () => {
      await tree.store.close();
      await ledger.close();
    },
  };
}

describe("SQLite: checkpoint emitter killed between the map version and the checkpoint", () => {
  it("leaves a map version that verifies, and the next emission (same size, then larger) signs the right map", {
    timeout: 240_000,
  }, async () => {
    const first = await killAfterMapWrite(0, 40);
    expect(first).toBe(40);
    let o = await open();
    expect(await o.tree.store.latestCheckpoint()).toBeUndefined(); // killed before storing it
    expect(await o.tree.store.map?.versions()).toEqual([40]);
    expect((await o.verify()).ok).toBe(true);
    // Same size: the stored version is reused (its root is the one computed again).
    const cp = await emitCheckpoint(o.tree, signer, LEDGER);
    expect(cp.size).toBe(40);
    await o.close();

    // Killed again after more events; another process appends more and emits past it.
    const second = await killAfterMapWrite(40, 25);
    expect(second).toBe(65);
    o = await open();
    await o.ledger.appendBatch([0, 1, 2].map((i) => sampleInput(65 + i, `late-${i}`)));
    await o.tree.catchUp();
    const next = await emitCheckpoint(o.tree, signer, LEDGER);
    expect(next.size).toBe(68);
    expect(await o.tree.store.map?.versions()).toEqual([40, 65, 68]);
    const report = await o.verify();
    expect(report.ok, JSON.stringify(report)).toBe(true);
    expect(report.ok && report.checked).toContain("map-store");
    const x = await exportExtract(o.tree, LEDGER, {
      subjects: ["c-3", "late-1", "nobody"],
      policy,
      shared: "reveal",
    });
    expect(x.subjects.map((s) => s.events.length)).toEqual([expect.any(Number), 1, 0]);
    await o.close();
  });
});
