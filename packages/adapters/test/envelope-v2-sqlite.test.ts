/**
 * Envelope version 2 (docs/spec.md §13) on a real SQLite ledger: the version is kept in the
 * file's metadata, survives reopening, and every stored copy of a v2 event (metadata,
 * columns, subject index, salts in the body) is checked by `verify` against the hashed bytes.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger, type VerifyReport } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, treeCheck } from "@daicho/core/checkpoint";
import { catchUp } from "@daicho/core/merkle";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../src/sqlite/store";
import { sqliteTreeStore } from "../src/sqlite/tree-store";

const LEDGER_ID = "v2.test/ledger";
const log = ed25519Signer(LEDGER_ID, new Uint8Array(32).fill(4));
let dir: string;
let original: string;
let copies = 0;

const meeting = (n: number, subjects: string[]) =>
  ({
    type: "data.accessed",
    actor: { id: `agent-${n % 3}` },
    subjects,
    payload: {
      resource: { type: "meeting", id: `m-${n}` },
      fields: ["notes"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
  }) as never;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-v2-"));
  original = join(dir, "ledger.db");
  const ledger = await openLedger({
    store: sqliteStore(original),
    ledgerId: LEDGER_ID,
    envelope: 2,
  });
  await ledger.appendBatch(
    Array.from({ length: 20 }, (_, n) => meeting(n, n % 4 === 0 ? ["c-1", "c-2"] : [`c-${n % 3}`])),
  );
  await ledger.close();
  // Reopened without the option, the file's version is used.
  const again = await openLedger({ store: sqliteStore(original) });
  expect(again.meta.envelopeVersion).toBe(2);
  const [e] = await again.appendBatch([meeting(20, ["c-1", "c-2"])]);
  expect(e?.v).toBe(2);
  const tree = await catchUp(sqliteTreeStore(original), again.store);
  await emitCheckpoint(tree, log, LEDGER_ID);
  await tree.store.close();
  await again.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function verifyEdited(edit: (db: Database.Database) => void): Promise<VerifyReport> {
  const path = join(dir, `copy-${copies++}.db`);
  copyFileSync(original, path);
  const db = new Database(path);
  try {
    edit(db);
  } finally {
    db.close();
  }
  const ledger = await openLedger({ store: sqliteStore(path, { readonly: true }) });
  const tree = sqliteTreeStore(path, { readonly: true });
  try {
    return await ledger.verify({
      also: [await treeCheck(tree, { origin: LEDGER_ID, policy: { keys: [log.verifier] } })],
    });
  } finally {
    await tree.close();
    await ledger.close();
  }
}

describe("envelope version 2 on SQLite", () => {
  it("verifies: chain, columns, subject index, tree and the checkpoint's subject map", async () => {
    const r = await verifyEdited(() => {});
    expect(r).toMatchObject({ ok: true, count: 21 });
  });

  const edits: [string, string, number, string][] = [
    [
      "the metadata's envelope version swapped to 1",
      `UPDATE daicho_meta SET value = replace(value, '"envelopeVersion":2', '"envelopeVersion":1')`,
      0,
      "column-mismatch",
    ],
    [
      "a salt in a stored body",
      `UPDATE daicho_events SET body = replace(body, '"salt":"', '"salt":"0') WHERE seq = 4`,
      4,
      "content-changed",
    ],
    [
      "the subjects column of a shared event",
      "UPDATE daicho_events SET subjects = 'c-1' WHERE seq = 8",
      8,
      "column-mismatch",
    ],
  ];
  for (const [what, sql, seq, kind] of edits) {
    it(`reports ${what}`, async () => {
      const r = await verifyEdited((db) => db.exec(sql));
      expect(r).toMatchObject({ ok: false, failure: { seq, kind } });
    });
  }

  it("reports a subject index row deleted for a co-subject of a shared event", async () => {
    const r = await verifyEdited((db) =>
      db.exec("DELETE FROM daicho_event_subjects WHERE subject = 'c-2' AND seq = 20"),
    );
    expect(r).toMatchObject({ ok: false, failure: { kind: "index-mismatch" } });
  });
});
