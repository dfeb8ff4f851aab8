import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, openLedger } from "@daicho/core";
import {
  ed25519Signer,
  emitCheckpoint,
  mapCheck,
  parseCheckpointOrThrow,
  parseNoteOrThrow,
} from "@daicho/core/checkpoint";
import { mapRootOfOrThrow } from "@daicho/core/map";
import { catchUp, type LedgerTree } from "@daicho/core/merkle";
import { rebuiltMapRoot, sampleInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { encodeTailEntries, TailVersion } from "./map-tail";
import { sqliteStore } from "./store";
import { sqliteTreeStore } from "./tree-store";

const ORIGIN = "kept.sqlite.test/ledger";
const signer = ed25519Signer(ORIGIN, new Uint8Array(32).fill(8));

type Ledger = Awaited<ReturnType<typeof openLedger>>;

/** One process on the file: its own connections, tree and (so) its own kept map. */
async function openProcess(path: string): Promise<{ ledger: Ledger; tree: LedgerTree }> {
  const ledger = await openLedger({ store: sqliteStore(path), ledgerId: ORIGIN });
  return { ledger, tree: await catchUp(sqliteTreeStore(path), ledger.store) };
}

function signedRoot(note: string): Uint8Array | undefined {
  return mapRootOfOrThrow(parseCheckpointOrThrow(parseNoteOrThrow(note).text));
}

describe("the kept subject map on a SQLite file shared by processes", () => {
  it("two processes alternating checkpoints on one file sign the roots a fresh rebuild gives (property)", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            who: fc.integer({ min: 0, max: 1 }),
            events: fc.integer({ min: 1, max: 20 }),
          }),
          { minLength: 2, maxLength: 7 },
        ),
        async (steps) => {
          const dir = mkdtempSync(join(tmpdir(), "daicho-kept-"));
          const path = join(dir, "ledger.db");
          const procs = [await openProcess(path), await openProcess(path)];
          try {
            let at = 0;
            for (const step of steps) {
              const p = procs[step.who] as (typeof procs)[number];
              await p.ledger.appendBatch(
                Array.from({ length: step.events }, (_, i) =>
                  sampleInput(at + i, `s-${(at + i) % 23}`),
                ),
              );
              at += step.events;
              const cp = await emitCheckpoint(p.tree, signer, ORIGIN);
              expect(cp.size).toBe(at);
              expect(signedRoot(cp.note)).toEqual(await rebuiltMapRoot(p.ledger, at));
            }
            const p = procs[0] as (typeof procs)[number];
            const report = await p.ledger.verify({ also: [await mapCheck(p.tree.store)] });
            expect(report.ok).toBe(true);
          } finally {
            for (const p of procs) {
              await p.tree.store.close();
              await p.ledger.close();
            }
            rmSync(dir, { recursive: true, force: true });
          }
        },
      ),
      { numRuns: 12 },
    );
  });

  it("refuses (STORE_CORRUPT) a stored record edited in the file when a new process reads it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-kept-"));
    const path = join(dir, "ledger.db");
    try {
      const a = await openProcess(path);
      await a.ledger.appendBatch(
        Array.from({ length: 40 }, (_, i) => sampleInput(i, `s-${i % 9}`)),
      );
      await emitCheckpoint(a.tree, signer, ORIGIN);
      await a.tree.store.close();
      await a.ledger.close();
      // An operator flips a byte of the state of every stored leaf (kind 0x01), in the
      // indexed table and in the tail's rows (rewritten well-formed around the edit).
      const db = new Database(path);
      let changed = db
        .prepare(
          "UPDATE daicho_map_records SET record = unhex('01' || substr(hex(record), 3, 64) || 'FF' || substr(hex(record), 69)) WHERE substr(record, 1, 1) = x'01'",
        )
        .run().changes;
      for (const row of db.prepare("SELECT version, records FROM daicho_map_tail").all() as {
        version: number;
        records: Buffer;
      }[]) {
        const t = new TailVersion(row.version, row.records);
        const entries = Array.from({ length: t.size }, (_, i) => {
          const record = Buffer.from(t.recordBytes(i));
          if (record[0] === 1) {
            record[33] = 0xff;
            changed++;
          }
          return { path: t.path(i), record };
        });
        db.prepare("UPDATE daicho_map_tail SET records = ? WHERE version = ?").run(
          encodeTailEntries(entries),
          row.version,
        );
      }
      db.close();
      expect(changed).toBeGreaterThan(0);
      const b = await openProcess(path);
      await b.ledger.appendBatch(
        Array.from({ length: 10 }, (_, i) => sampleInput(40 + i, `s-${i % 9}`)),
      );
      const e = await emitCheckpoint(b.tree, signer, ORIGIN).catch((x) => x);
      expect(isDaichoError(e, "STORE_CORRUPT")).toBe(true);
      expect(await b.tree.store.latestCheckpoint()).toMatchObject({ size: 40 });
      await b.tree.store.close();
      await b.ledger.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
