/**
 * Every stored byte of a real SQLite ledger, edited one at a time: `verify` (events,
 * columns, head, subject index, tree, checkpoints with the log's key) must report each
 * edit, except the few informative values that no answer of the library depends on
 * (docs/spec.md §11), which are listed here by name.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, openLedger, typeEventsVerified, type VerifyReport } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, treeCheck } from "@daicho/core/checkpoint";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sqliteStore } from "../src/sqlite/store";
import { sqliteTreeStore } from "../src/sqlite/tree-store";

const LEDGER_ID = "tamper.test/ledger";
const log = ed25519Signer(LEDGER_ID, new Uint8Array(32).fill(7));

/** Values that are informative only: not hashed, not signed, read by no decision. */
const INFORMATIVE = new Set([
  "daicho_meta.createdAt",
  "daicho_tree_state.schema",
  "daicho_checkpoints.created_at",
]);

let dir: string;
let original: string;
let copies = 0;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-tamper-"));
  original = join(dir, "ledger.db");
  const ledger = await openLedger({ store: sqliteStore(original), ledgerId: LEDGER_ID });
  const tree = await catchUp(sqliteTreeStore(original), ledger.store);
  for (let round = 0; round < 3; round++) {
    await ledger.appendBatch(
      Array.from({ length: 20 }, (_, i) =>
        sampleInput(round * 20 + i, `contact-${(round * 20 + i) % 7}`),
      ),
    );
    await tree.catchUp();
    await emitCheckpoint(tree, log, LEDGER_ID);
  }
  await tree.store.close();
  await ledger.close();
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Copy the ledger, run `edit` on the copy with a plain SQLite connection, and verify it. */
async function verifyEdited(
  edit: (db: Database.Database) => void,
): Promise<VerifyReport | "threw"> {
  const path = join(dir, `copy-${copies++}.db`);
  copyFileSync(original, path);
  const db = new Database(path);
  try {
    edit(db);
  } finally {
    db.close();
  }
  try {
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
  } catch (e) {
    if (isDaichoError(e)) return "threw";
    throw e;
  } finally {
    rmSync(path, { force: true });
  }
}

const kindOf = (r: VerifyReport | "threw") =>
  r === "threw" ? "threw" : r.ok ? "ok" : r.failure.kind;

describe("every single edit of a stored SQLite ledger is reported by verify", () => {
  it("the untouched ledger verifies with every copy checked", async () => {
    const r = await verifyEdited(() => undefined);
    expect(r).toMatchObject({
      ok: true,
      count: 60,
      checked: [
        "columns",
        "head",
        "subject-index",
        "type-index",
        "tree",
        "checkpoints",
        "checkpoint-signatures",
      ],
    });
  });

  const named: [string, string, string][] = [
    // [what, SQL, expected failure kind]
    [
      "a body byte",
      'UPDATE daicho_events SET body = replace(body, \'"outcome":"allowed"\', \'"outcome":"denied"\') WHERE seq = 8',
      "content-changed",
    ],
    [
      "a stored hash",
      "UPDATE daicho_events SET hash = '00' || substr(hash, 3) WHERE seq = 30",
      "content-changed",
    ],
    [
      "the type column (hides a fence or hold from lookups)",
      "UPDATE daicho_events SET type = 'data.accessed' WHERE seq = 9",
      "column-mismatch",
    ],
    [
      "the type column edited into an erasure request (forges one for reads by type)",
      "UPDATE daicho_events SET type = 'erasure.requested' WHERE seq = 4",
      "column-mismatch",
    ],
    [
      "the id column",
      "UPDATE daicho_events SET id = 'forged-id' WHERE seq = 12",
      "column-mismatch",
    ],
    [
      "the recorded_at column",
      "UPDATE daicho_events SET recorded_at = '2020-01-01T00:00:00.000Z' WHERE seq = 5",
      "column-mismatch",
    ],
    [
      "the subjects column",
      "UPDATE daicho_events SET subjects = 'contact-0' WHERE seq = 3",
      "column-mismatch",
    ],
    [
      "the prev_hash column",
      "UPDATE daicho_events SET prev_hash = hash WHERE seq = 40",
      "column-mismatch",
    ],
    ["a middle event deleted", "DELETE FROM daicho_events WHERE seq = 20", "event-missing"],
    [
      "the last event deleted (covered by a checkpoint)",
      "DELETE FROM daicho_events WHERE seq = 59",
      "checkpoint-mismatch",
    ],
    [
      "a subject's last index row deleted (the fence attack)",
      "DELETE FROM daicho_event_subjects WHERE seq = (SELECT max(seq) FROM daicho_event_subjects WHERE subject = 'contact-2') AND subject = 'contact-2'",
      "index-mismatch",
    ],
    [
      "a subject's middle index row deleted",
      "DELETE FROM daicho_event_subjects WHERE subject = 'contact-3' AND seq = 10",
      "index-mismatch",
    ],
    [
      "an index row moved to another subject",
      "UPDATE daicho_event_subjects SET subject = 'contact-4' WHERE subject = 'contact-3' AND seq = 10",
      "index-mismatch",
    ],
    [
      "an index row moved to another event",
      "UPDATE daicho_event_subjects SET seq = 11 WHERE subject = 'contact-3' AND seq = 10",
      "index-mismatch",
    ],
    [
      "an index row added for an event not about the subject",
      "INSERT INTO daicho_event_subjects (subject, seq) VALUES ('contact-1', 2)",
      "index-mismatch",
    ],
    [
      "an index row added for a subject nobody names",
      "INSERT INTO daicho_event_subjects (subject, seq) VALUES ('contact-x', 2)",
      "index-mismatch",
    ],
    [
      "an index row planted beyond the head",
      "INSERT INTO daicho_event_subjects (subject, seq) VALUES ('contact-1', 75)",
      "index-mismatch",
    ],
    [
      "every index row of a subject deleted",
      "DELETE FROM daicho_event_subjects WHERE subject = 'contact-5'",
      "index-mismatch",
    ],
    [
      "the ledger id in the metadata",
      "UPDATE daicho_meta SET value = replace(value, 'tamper.test', 'tamper.tset')",
      "chain-forked",
    ],
    [
      "the envelope version in the metadata",
      "UPDATE daicho_meta SET value = replace(value, '\"envelopeVersion\":1', '\"envelopeVersion\":2')",
      "column-mismatch",
    ],
    // Found by the property below (CI, seed 507152230): the metadata was cast, not decoded.
    [
      "a metadata member renamed (createdAt → dreatedAt)",
      "UPDATE daicho_meta SET value = replace(value, '\"createdAt\"', '\"dreatedAt\"')",
      "threw",
    ],
    [
      "a member added to the metadata",
      "UPDATE daicho_meta SET value = replace(value, '{', '{\"admin\":true,')",
      "threw",
    ],
    ["the stored tree size grown", "UPDATE daicho_tree_state SET size = 61", "tree-mismatch"],
    ["the stored tree size shrunk", "UPDATE daicho_tree_state SET size = 50", "tree-mismatch"],
    [
      "a tree node's hash",
      "UPDATE daicho_tree_nodes SET hash = zeroblob(32) WHERE pos = 14",
      "tree-mismatch",
    ],
    ["a tree node deleted", "DELETE FROM daicho_tree_nodes WHERE pos = 14", "tree-mismatch"],
    [
      "a tree node planted beyond the size",
      "INSERT INTO daicho_tree_nodes (pos, hash) VALUES (500, zeroblob(32))",
      "tree-mismatch",
    ],
    [
      "a checkpoint's root",
      "UPDATE daicho_checkpoints SET note = replace(note, substr(note, instr(note, char(10)) + 4, 4), 'AAAA') WHERE size = 40",
      "checkpoint-mismatch",
    ],
    [
      "a checkpoint's signature",
      "UPDATE daicho_checkpoints SET note = substr(note, 1, length(note) - 6) || 'AAAAA' || char(10) WHERE size = 20",
      "checkpoint-mismatch",
    ],
    [
      "a checkpoint filed under another size",
      "UPDATE daicho_checkpoints SET size = 21 WHERE size = 20",
      "checkpoint-mismatch",
    ],
    [
      "a checkpoint planted beyond the log",
      "INSERT INTO daicho_checkpoints (size, note, created_at) SELECT 80, replace(note, char(10) || '60' || char(10), char(10) || '80' || char(10)), created_at FROM daicho_checkpoints WHERE size = 60",
      "checkpoint-mismatch",
    ],
  ];
  for (const [what, sql, kind] of named) {
    it(`${what} → ${kind}`, async () => {
      expect(kindOf(await verifyEdited((db) => db.exec(sql)))).toBe(kind);
    });
  }

  it("any one edited cell of any table is reported, unless it is informative (property)", async () => {
    const db = new Database(original, { readonly: true });
    const cells: {
      table: string;
      key: string;
      keyValue: unknown;
      column: string;
      value: unknown;
    }[] = [];
    const tables: [string, string][] = [
      ["daicho_events", "seq"],
      ["daicho_event_subjects", "rowid"],
      ["daicho_meta", "key"],
      ["daicho_tree_state", "id"],
      ["daicho_tree_nodes", "pos"],
      ["daicho_checkpoints", "size"],
    ];
    for (const [table, key] of tables) {
      const keyExpr = table === "daicho_event_subjects" ? "subject || '|' || seq" : key;
      for (const row of db.prepare(`SELECT ${keyExpr} AS __key, * FROM ${table}`).all() as Record<
        string,
        unknown
      >[]) {
        for (const [column, value] of Object.entries(row)) {
          if (column === "__key") continue;
          cells.push({ table, key: keyExpr, keyValue: row.__key, column, value });
        }
      }
    }
    db.close();
    let detected = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.nat(cells.length - 1),
        fc.nat(),
        fc.integer({ min: 1, max: 255 }),
        async (c, p0, delta) => {
          const cell = cells[c] as (typeof cells)[number];
          const mutated = mutate(cell.value, p0, delta);
          fc.pre(mutated !== undefined);
          let field = `${cell.table}.${cell.column}`;
          if (cell.table === "daicho_meta" && typeof mutated === "string") {
            field = metaFieldChanged(cell.value as string, mutated) ?? "daicho_meta.value";
          }
          let refused = false;
          const report = await verifyEdited((edit) => {
            try {
              edit
                .prepare(`UPDATE ${cell.table} SET ${cell.column} = ? WHERE ${cell.key} = ?`)
                .run(mutated, cell.keyValue);
            } catch {
              refused = true; // a constraint refused the edit (duplicate key, type): nothing changed
            }
          });
          fc.pre(!refused);
          if (INFORMATIVE.has(field)) return;
          expect(kindOf(report), `${field} = ${String(mutated).slice(0, 40)}`).not.toBe("ok");
          detected++;
        },
      ),
      { numRuns: 100 },
    );
    expect(detected).toBeGreaterThan(30);
  });
});

describe("reads by type over an edited SQLite ledger fail closed", () => {
  it("a data event whose type column says erasure.requested is refused, not folded", async () => {
    const path = join(dir, `copy-${copies++}.db`);
    copyFileSync(original, path);
    const db = new Database(path);
    db.exec("UPDATE daicho_events SET type = 'erasure.requested' WHERE seq = 4");
    db.close();
    const store = sqliteStore(path, { readonly: true });
    try {
      expect((await store.readByType(["erasure.requested"], 0, 10)).map((e) => e.seq)).toEqual([4]);
      const e = await typeEventsVerified(store, ["erasure.requested"]).catch((x: unknown) => x);
      expect(isDaichoError(e) && e.code).toBe("STORE_CORRUPT");
    } finally {
      await store.close();
      rmSync(path, { force: true });
    }
  });
});

/** One edit of a cell value: a character, an integer or a bit changed; undefined when unchanged. */
function mutate(value: unknown, p0: number, delta: number): unknown {
  if (typeof value === "number") return value + (delta % 7) + 1;
  if (typeof value === "string") {
    if (value.length === 0) return "x";
    const p = p0 % value.length;
    const code = value.charCodeAt(p);
    const next = String.fromCharCode(((code - 32 + delta) % 95) + 32);
    const out = value.slice(0, p) + next + value.slice(p + 1);
    return out === value ? undefined : out;
  }
  if (Buffer.isBuffer(value)) {
    const out = Buffer.from(value);
    const p = p0 % out.length;
    out[p] = (out[p] as number) ^ (delta & 0xff || 1);
    return out;
  }
  return undefined;
}

/** For the metadata JSON: which member an edit changed, when it still parses. */
function metaFieldChanged(before: string, after: string): string | undefined {
  try {
    const a = JSON.parse(before) as Record<string, unknown>;
    const b = JSON.parse(after) as Record<string, unknown>;
    const keys = new Set([...Object.keys(a), ...Object.keys(b)]);
    const changed = [...keys].filter((k) => a[k] !== b[k]);
    return changed.length === 1 && changed[0] === "createdAt" ? "daicho_meta.createdAt" : undefined;
  } catch {
    return undefined;
  }
}

describe("nothing is signed or exported from an edited copy (stored checkpoints and tree nodes)", () => {
  /** Copy the ledger, edit the copy, append 5 events, then try to sign a checkpoint on it. */
  async function emitAfter(edit: string, signer = log) {
    const path = join(dir, `emit-${copies++}.db`);
    copyFileSync(original, path);
    const db = new Database(path);
    db.exec(edit);
    db.close();
    const ledger = await openLedger({ store: sqliteStore(path) });
    const treeStore = sqliteTreeStore(path);
    try {
      const tree = await catchUp(treeStore, ledger.store);
      await ledger.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(100 + i)));
      await tree.catchUp();
      await emitCheckpoint(tree, signer, LEDGER_ID);
      return "signed";
    } catch (e) {
      if (isDaichoError(e)) return e.code;
      throw e;
    } finally {
      await treeStore.close();
      await ledger.close();
      rmSync(path, { force: true });
    }
  }

  /** A signer that does not expose its verifier (an HSM, a KMS): the emitter recomputes from events. */
  const opaque = { name: log.name, keyId: log.keyId, sign: (m: Uint8Array) => log.sign(m) };

  it("signs as usual when nothing was edited, with or without the signer's verifier", async () => {
    expect(await emitAfter("SELECT 1")).toBe("signed");
    expect(await emitAfter("SELECT 1", opaque as never)).toBe("signed");
  });

  it("refuses when the latest stored checkpoint's signature was edited", async () => {
    const edit =
      "UPDATE daicho_checkpoints SET note = substr(note, 1, length(note) - 6) || 'AAAAA' || char(10) WHERE size = 60";
    expect(await emitAfter(edit)).toBe("CHECKPOINT_INVALID");
  });

  it("refuses when a stored tree node under the last checkpoint was edited", async () => {
    // pos 31 is the level-5 node over leaves 0–31: part of the border of the tree of 60.
    for (const signer of [log, opaque]) {
      expect(
        await emitAfter(
          "UPDATE daicho_tree_nodes SET hash = zeroblob(32) WHERE pos = 31",
          signer as never,
        ),
      ).toBe("CHECKPOINT_INVALID");
    }
  });

  it("refuses when a stored checkpoint's root was replaced together with a forged tree", async () => {
    // The attacker edits the stored checkpoint so it no longer matches the log's signature.
    const edit =
      "UPDATE daicho_checkpoints SET note = replace(note, substr(note, instr(note, char(10)) + 4, 4), 'AAAA') WHERE size = 60";
    expect(await emitAfter(edit)).toBe("CHECKPOINT_INVALID");
  });

  it("refuses to extend the tree over an event whose stored hash was edited", async () => {
    // The tree already covers 0–59; drop its last 10 leaves so catch-up must re-read them.
    const edit = `UPDATE daicho_tree_state SET size = 50;
      DELETE FROM daicho_checkpoints WHERE size = 60;
      UPDATE daicho_events SET hash = '00' || substr(hash, 3) WHERE seq = 55;`;
    expect(await emitAfter(edit)).toBe("STORE_CORRUPT");
  });

  it("export refuses a bundle from an edited tree node or checkpoint", async () => {
    const { exportBundle } = await import("@daicho/core/bundle");
    for (const edit of [
      // pos 103: the level-3 node over leaves 48–55, an element of the range proof of [0, 20).
      "UPDATE daicho_tree_nodes SET hash = zeroblob(32) WHERE pos = 103",
      "UPDATE daicho_checkpoints SET note = substr(note, 1, length(note) - 6) || 'AAAAA' || char(10) WHERE size = 60",
    ]) {
      const path = join(dir, `export-${copies++}.db`);
      copyFileSync(original, path);
      const db = new Database(path);
      db.exec(edit);
      db.close();
      const ledger = await openLedger({ store: sqliteStore(path) });
      const tree = await catchUp(sqliteTreeStore(path), ledger.store);
      try {
        await expect(
          exportBundle(tree, LEDGER_ID, { from: 0, to: 20, policy: { keys: [log.verifier] } }),
        ).rejects.toMatchObject({ code: expect.stringMatching(/PROOF_INVALID|SIGNATURE_INVALID/) });
      } finally {
        await tree.store.close();
        await ledger.close();
      }
    }
  });
});
