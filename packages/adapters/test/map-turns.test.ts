/**
 * Two processes on one SQLite ledger taking turns at emitting checkpoints: each one's
 * checkpoint must sign the map the events give, whatever the other wrote in between. A
 * guard for any map state a process keeps between its checkpoints (an in-memory copy of
 * the map must be dropped when another process's checkpoint came in between: with such a
 * cache that skipped the check, this property fails on a three-round case).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, mapCheck, treeCheck } from "@daicho/core/checkpoint";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import fc from "fast-check";
import { afterAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../src/sqlite/store";
import { sqliteTreeStore } from "../src/sqlite/tree-store";

const LEDGER = "map-turns.test/ledger";
const signer = ed25519Signer(LEDGER, new Uint8Array(32).fill(5));
const dir = mkdtempSync(join(tmpdir(), "daicho-map-turns-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function open(path: string, ledgerId?: string) {
  const ledger = await openLedger({
    store: sqliteStore(path),
    ...(ledgerId === undefined ? {} : { ledgerId }),
  });
  const tree = await catchUp(sqliteTreeStore(path), ledger.store);
  return { ledger, tree };
}

let n = 0;
describe("SQLite: two processes taking turns at checkpoints", () => {
  it("sign the map the events give, for random runs of two processes taking turns (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 1 }),
            subjects: fc.array(fc.integer({ min: 0, max: 40 }), { minLength: 1, maxLength: 25 }),
          }),
          { minLength: 2, maxLength: 6 },
        ),
        async (rounds) => {
          const path = join(dir, `l-${n++}.db`);
          const a = await open(path, LEDGER);
          const b = await open(path);
          const procs = [a, b];
          let seq = 0;
          try {
            for (const r of rounds) {
              const p = procs[r.who] as typeof a;
              await p.ledger.appendBatch(r.subjects.map((s) => sampleInput(seq++, `s-${s}`)));
              await p.tree.catchUp();
              await emitCheckpoint(p.tree, signer, LEDGER);
            }
            const report = await a.ledger.verify({
              also: [
                await treeCheck(a.tree.store, {
                  origin: LEDGER,
                  policy: { keys: [signer.verifier] },
                }),
                await mapCheck(a.tree.store),
              ],
            });
            expect(report.ok ? "ok" : report.failure.kind).toBe("ok");
          } finally {
            for (const p of procs) {
              await p.tree.store.close();
              await p.ledger.close();
            }
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
