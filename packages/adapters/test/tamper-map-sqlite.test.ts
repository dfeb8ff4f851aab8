/**
 * The stored subject map of a real SQLite ledger (tables `daicho_map_versions`,
 * `daicho_map_records`, `daicho_map_tail`), attacked by editing rows with a plain SQLite
 * connection: see `map-tamper.ts` for the cases and what each must give. Run twice: with
 * the default tail (every version of the history stays whole in `daicho_map_tail`, and a
 * record is edited by rewriting its version's row as a well-formed row with that one
 * record changed, removed or added: the strongest edit), and with no tail (every record a
 * row of `daicho_map_records`). Edits that break a tail row's layout are at the end.
 */
import { copyFileSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openLedger } from "@daicho/core";
import { compareBytes } from "@daicho/core/map";
import { catchUp } from "@daicho/core/merkle";
import Database from "better-sqlite3";
import { afterAll, beforeAll, expect, it } from "vitest";
import { encodeTailEntries, TailVersion } from "../src/sqlite/map-tail";
import { sqliteStore } from "../src/sqlite/store";
import { sqliteTreeStore } from "../src/sqlite/tree-store";
import {
  LEDGER_ID,
  type MapRow,
  mapTamperSuite,
  type TamperAttack,
  type TamperCase,
  writeHistory,
} from "./map-tamper";

type Entry = { path: Buffer; record: Buffer };

/** Every map record of the file: the indexed table's rows and each tail row's entries. */
function mapRows(db: Database.Database): MapRow[] {
  const rows = db.prepare("SELECT path, version, record FROM daicho_map_records").all() as MapRow[];
  for (const { version, entries } of tailRows(db))
    for (const e of entries) rows.push({ version, ...e });
  return rows.sort((a, b) => a.version - b.version || compareBytes(a.path, b.path));
}

function tailRows(db: Database.Database): { version: number; entries: Entry[] }[] {
  return (
    db.prepare("SELECT version, records FROM daicho_map_tail").all() as {
      version: number;
      records: Buffer;
    }[]
  ).map(({ version, records }) => {
    const t = new TailVersion(version, records);
    const entries: Entry[] = [];
    for (let i = 0; i < t.size; i++)
      entries.push({ path: Buffer.from(t.path(i)), record: Buffer.from(t.recordBytes(i)) });
    return { version, entries };
  });
}

/**
 * Apply `edit` to the entries of `version`'s tail row and write the row back, in path
 * order; false (nothing written) when the version has no tail row.
 */
function editTail(db: Database.Database, version: number, edit: (e: Entry[]) => Entry[]): boolean {
  const row = tailRows(db).find((r) => r.version === version);
  if (row === undefined) return false;
  const entries = edit(row.entries).sort((a, b) => compareBytes(a.path, b.path));
  db.prepare("UPDATE daicho_map_tail SET records = ? WHERE version = ?").run(
    encodeTailEntries(entries),
    version,
  );
  return true;
}

function suite(name: string, mapTailRecords: number | undefined): void {
  let dir: string;
  let original: string;
  let copies = 0;
  const options = mapTailRecords === undefined ? {} : { mapTailRecords };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "daicho-map-tamper-"));
    original = join(dir, "ledger.db");
    const ledger = await openLedger({ store: sqliteStore(original), ledgerId: LEDGER_ID });
    const tree = await catchUp(sqliteTreeStore(original, options), ledger.store);
    await writeHistory(ledger, tree);
    await tree.store.close();
    await ledger.close();
  });

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A copy of the ledger file, edited through its own plain SQLite connection. */
  async function fresh(): Promise<SqliteCase> {
    const path = join(dir, `copy-${copies++}.db`);
    copyFileSync(original, path);
    const raw = () => new Database(path);
    const run = (sql: string, ...params: unknown[]) => {
      const db = raw();
      try {
        return db.prepare(sql).run(...params);
      } finally {
        db.close();
      }
    };
    const withDb = <A>(f: (db: Database.Database) => A): A => {
      const db = raw();
      try {
        return f(db);
      } finally {
        db.close();
      }
    };
    const same = (a: Entry, row: MapRow) => a.path.equals(row.path);
    return {
      withDb,
      async rows() {
        return withDb(mapRows);
      },
      async update(row, record) {
        const tailed = withDb((db) =>
          editTail(db, row.version, (es) =>
            es.map((e) => (same(e, row) ? { path: e.path, record } : e)),
          ),
        );
        if (!tailed)
          run(
            "UPDATE daicho_map_records SET record = ? WHERE path = ? AND version = ?",
            record,
            row.path,
            row.version,
          );
      },
      async remove(row) {
        if (withDb((db) => editTail(db, row.version, (es) => es.filter((e) => !same(e, row)))))
          return;
        run("DELETE FROM daicho_map_records WHERE path = ? AND version = ?", row.path, row.version);
      },
      async insert(row) {
        const entry = { path: row.path, record: row.record };
        if (withDb((db) => editTail(db, row.version, (es) => [...es, entry]))) return;
        run(
          "INSERT INTO daicho_map_records (path, version, record) VALUES (?, ?, ?)",
          row.path,
          row.version,
          row.record,
        );
      },
      async removeVersion(version) {
        run("DELETE FROM daicho_map_versions WHERE version = ?", version);
      },
      async openReadOnly() {
        const ledger = await openLedger({ store: sqliteStore(path, { readonly: true }) });
        const treeStore = sqliteTreeStore(path, { ...options, readonly: true });
        return {
          ledger,
          treeStore,
          close: async () => {
            await treeStore.close();
            await ledger.close();
          },
        };
      },
      async openWritable() {
        const ledger = await openLedger({ store: sqliteStore(path) });
        const tree = await catchUp(sqliteTreeStore(path, options), ledger.store);
        return {
          ledger,
          tree,
          treeStore: tree.store,
          close: async () => {
            await tree.store.close();
            await ledger.close();
          },
        };
      },
      async dispose() {
        rmSync(path, { force: true });
        rmSync(`${path}-wal`, { force: true });
        rmSync(`${path}-shm`, { force: true });
      },
    };
  }

  it(`${name}: the history's map versions are where the setting puts them`, () => {
    const db = new Database(original, { readonly: true });
    try {
      const count = (table: string) =>
        (db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;
      if (mapTailRecords === 0) expect(count("daicho_map_tail")).toBe(0);
      else {
        expect(count("daicho_map_tail")).toBe(3);
        expect(count("daicho_map_records")).toBe(0);
      }
    } finally {
      db.close();
    }
  });

  mapTamperSuite(name, fresh, 25, mapTailRecords === 0 ? [] : layoutAttacks);
}

/** A copy with the raw connection at hand, for edits below the record level. */
type SqliteCase = TamperCase & { withDb<A>(f: (db: Database.Database) => A): A };

/** Rewrite the latest version's tail row (version 60) with `f` of its bytes. */
const rewrite60 = (c: SqliteCase, f: (b: Buffer) => Buffer) =>
  c.withDb((db) => {
    const { records } = db
      .prepare("SELECT records FROM daicho_map_tail WHERE version = 60")
      .get() as {
      records: Buffer;
    };
    db.prepare("UPDATE daicho_map_tail SET records = ? WHERE version = 60").run(
      f(Buffer.from(records)),
    );
  });

/** Version 60's entries as the tail row holds them, in order, records copied. */
const entries60 = (rows: MapRow[]) =>
  rows
    .filter((r) => r.version === 60)
    .map((r) => ({ path: r.path, record: Buffer.from(r.record) }));

type Entry60 = ReturnType<typeof entries60>[number];

/** Rewrite version 60's tail row as the layout of `f` of its entries. */
const rewriteEntries60 = (c: SqliteCase, rows: MapRow[], f: (es: Entry60[]) => Entry60[]) =>
  rewrite60(c, () => Buffer.from(encodeTailEntries(f(entries60(rows)))));

/** Edits that break the layout of a tail row (`map-tail.ts`) rather than one record. */
const layoutAttacks: TamperAttack<SqliteCase>[] = [
  [
    "the tail row cut short by one byte",
    async (c) => rewrite60(c, (b) => b.subarray(0, b.length - 1)),
    true,
  ],
  ["the tail row emptied", async (c) => rewrite60(c, () => Buffer.alloc(0)), true],
  [
    "a byte appended to the tail row",
    async (c) => rewrite60(c, (b) => Buffer.concat([b, Buffer.from([0])])),
    true,
  ],
  [
    "the tail row's count raised by one",
    async (c) =>
      rewrite60(c, (b) => {
        b.writeUInt32BE(b.readUInt32BE(0) + 1, 0);
        return b;
      }),
    true,
  ],
  [
    "the tail row's count lowered by one (its last record dropped from view)",
    async (c) =>
      rewrite60(c, (b) => {
        b.writeUInt32BE(b.readUInt32BE(0) - 1, 0);
        return b;
      }),
    true,
  ],
  [
    "the tail row's count set to 2^32 − 1",
    async (c) =>
      rewrite60(c, (b) => {
        b.writeUInt32BE(0xffffffff, 0);
        return b;
      }),
    true,
  ],
  [
    "the tail row's first two entries swapped (out of path order)",
    async (c, rows) =>
      rewriteEntries60(c, rows, ([a, b, ...rest]) => [b as Entry60, a as Entry60, ...rest]),
    true,
  ],
  [
    "the tail row's first entry repeated",
    async (c, rows) => rewriteEntries60(c, rows, (es) => [es[0] as Entry60, ...es]),
    true,
  ],
  [
    "a record's kind byte set to 2",
    async (c, rows) =>
      rewriteEntries60(c, rows, (es) => {
        (es[0] as Entry60).record[0] = 2;
        return es;
      }),
    true,
  ],
  [
    "a path length of 0",
    async (c, rows) =>
      rewriteEntries60(c, rows, (es) => [
        { path: Buffer.alloc(0), record: (es[0] as Entry60).record },
        ...es,
      ]),
    true,
  ],
];

suite("SQLite", undefined);
suite("SQLite, no tail", 0);
