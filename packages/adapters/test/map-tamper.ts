/**
 * The attacks on a stored subject map (spec §11, §12.9), written once against raw table
 * rows so the SQLite and PostgreSQL tests run the same cases: edit a byte of a node or a
 * leaf record, delete a record, plant one (at a position the map lacks, or under a version
 * nobody lists), drop a version's row, roll the map back. For each, `verify` must report
 * `map-mismatch` (or the change must be shown harmless), an extract must either be
 * refused or be byte for byte the genuine one, and the next checkpoint must either be
 * refused or sign the map the events give.
 */
import { isDaichoError, type Ledger, type VerifyReport } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, mapCheck, treeCheck } from "@daicho/core/checkpoint";
import { exportExtract } from "@daicho/core/extract";
import { mapKey, memoryMapStore } from "@daicho/core/map";
import type { LedgerTree, TreeStore } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";

export const LEDGER_ID = "map-tamper.test/ledger";
export const log = ed25519Signer(LEDGER_ID, new Uint8Array(32).fill(9));
const policy = { keys: [log.verifier] };
/** Who the history is about: enough subjects for a map several levels deep. */
export const SUBJECTS = Array.from({ length: 13 }, (_, i) => `contact-${i}`);
export const ROUNDS = [20, 40, 60];

/** A stored map record as its table holds it. */
export interface MapRow {
  readonly path: Buffer;
  readonly version: number;
  readonly record: Buffer;
}

/** One copy of the standard ledger, with raw access to its map tables. */
export interface TamperCase {
  rows(): Promise<MapRow[]>;
  update(row: MapRow, record: Buffer): Promise<void>;
  remove(row: MapRow): Promise<void>;
  insert(row: MapRow): Promise<void>;
  /** Delete the version's row in the versions table (records untouched). */
  removeVersion(version: number): Promise<void>;
  /** The ledger read-only, with its stored tree (for verify). */
  openReadOnly(): Promise<Opened>;
  /** The ledger for writing, with its tree caught up (for extracts and checkpoints). */
  openWritable(): Promise<Opened & { tree: LedgerTree }>;
  dispose(): Promise<void>;
}

export interface Opened {
  readonly ledger: Ledger;
  readonly treeStore: TreeStore;
  close(): Promise<void>;
}

/** Write the standard history: 60 events over `SUBJECTS`, a checkpoint every 20. */
export async function writeHistory(ledger: Ledger, tree: LedgerTree): Promise<void> {
  let n = 0;
  for (const size of ROUNDS) {
    const batch = [];
    for (; n < size; n++) batch.push(sampleInput(n, SUBJECTS[(n * 5) % SUBJECTS.length]));
    await ledger.appendBatch(batch);
    await tree.catchUp();
    await emitCheckpoint(tree, log, LEDGER_ID);
  }
}

async function verifyCase(c: TamperCase): Promise<VerifyReport> {
  const o = await c.openReadOnly();
  try {
    return await o.ledger.verify({
      also: [
        await treeCheck(o.treeStore, { origin: LEDGER_ID, policy }),
        await mapCheck(o.treeStore),
      ],
    });
  } finally {
    await o.close();
  }
}

const kindOf = (r: VerifyReport) => (r.ok ? "ok" : r.failure.kind);

/** Each checkpoint's extract for every subject, or the code it was refused with. */
async function extracts(c: TamperCase): Promise<string[]> {
  const o = await c.openWritable();
  try {
    const out: string[] = [];
    for (const size of ROUNDS) {
      const note = (await o.tree.store.getCheckpoint(size))?.note as string;
      try {
        const x = await exportExtract(o.tree, LEDGER_ID, {
          subjects: SUBJECTS,
          policy,
          checkpoint: note,
          shared: "reveal",
        });
        out.push(JSON.stringify(x));
      } catch (e) {
        if (!isDaichoError(e)) throw e;
        out.push(`refused ${e.code}`);
      }
    }
    return out;
  } finally {
    await o.close();
  }
}

/** Append 5 events and emit a checkpoint: "refused <code>" or "signed". */
async function nextCheckpoint(c: TamperCase): Promise<string> {
  const o = await c.openWritable();
  try {
    await o.ledger.appendBatch([0, 1, 2, 3, 4].map((i) => sampleInput(60 + i, `late-${i}`)));
    await o.tree.catchUp();
    await emitCheckpoint(o.tree, log, LEDGER_ID);
    return "signed";
  } catch (e) {
    if (!isDaichoError(e)) throw e;
    return `refused ${e.code}`;
  } finally {
    await o.close();
  }
}

/** A record's kind byte: 0 an interior node, 1 a leaf. */
const isLeaf = (r: MapRow) => r.record[0] === 1;
const latest = (rows: MapRow[]) => rows.filter((r) => r.version === 60);

/**
 * An attack: what it is, the edit, and whether the extract at the latest checkpoint must
 * be refused (the edit lies on its subjects' paths) or is unaffected (a record no read as
 * of 60 reaches).
 */
export type TamperAttack<C extends TamperCase = TamperCase> = readonly [
  string,
  (c: C, rows: MapRow[]) => Promise<void>,
  boolean,
];

/**
 * Run every attack on fresh copies from `fresh`. `runs`: cases of the random-edit
 * property. `extra`: a store's own attacks on its layout, judged like the shared ones.
 */
export function mapTamperSuite<C extends TamperCase>(
  name: string,
  fresh: () => Promise<C>,
  runs: number,
  extra: readonly TamperAttack<C>[] = [],
): void {
  describe(`${name}: every edit of the stored subject map is detected or harmless`, () => {
    /** Apply `edit`, then judge verify, the extracts and the next checkpoint. */
    async function attack(edit: (c: C, rows: MapRow[]) => Promise<void>) {
      const c = await fresh();
      try {
        // The extracts of this very copy before the edit (ids and times differ per copy).
        const genuine = await extracts(c);
        await edit(c, await c.rows());
        const verdict = kindOf(await verifyCase(c));
        const got = await extracts(c);
        // An extract is refused, or it is exactly the genuine one: never "ok" from forged records.
        got.forEach((x, i) => {
          if (!x.startsWith("refused ")) expect(x, `extract at ${ROUNDS[i]}`).toBe(genuine[i]);
        });
        const signed = await nextCheckpoint(c);
        // A checkpoint signed over the edited map must still sign the map the events give.
        const after = signed === "signed" ? kindOf(await verifyCaseIgnoringStore(c)) : "none";
        return {
          verdict,
          extracts: got.map((x) => (x.startsWith("refused ") ? x : "ok")),
          signed,
          after,
        };
      } finally {
        await c.dispose();
      }
    }

    it("the untouched map verifies, with the stored map checked, and serves extracts", async () => {
      const c = await fresh();
      try {
        const r = await verifyCase(c);
        expect(r.ok && r.checked).toContain("map-store");
        expect((await c.rows()).length).toBeGreaterThan(0);
        expect((await extracts(c)).every((x) => x.startsWith("{"))).toBe(true);
      } finally {
        await c.dispose();
      }
    });

    const cases: TamperAttack<C>[] = [
      [
        "a byte of an interior node record",
        async (c, rows) => {
          const row = latest(rows).find((r) => !isLeaf(r)) as MapRow;
          const record = Buffer.from(row.record);
          record[5] = (record[5] as number) ^ 0x01;
          await c.update(row, record);
        },
        true,
      ],
      [
        "a leaf record's count (a subject the extracts are about)",
        async (c, rows) => {
          const key = Buffer.from(mapKey(SUBJECTS[0] as string));
          const row = latest(rows).find((r) => isLeaf(r) && r.record.subarray(1, 33).equals(key));
          if (row === undefined) throw new Error("the history must name SUBJECTS[0] before 60");
          const record = Buffer.from(row.record);
          record[40] = (record[40] as number) + 1;
          await c.update(row, record);
        },
        true,
      ],
      ["a record row deleted", async (c, rows) => c.remove(latest(rows)[0] as MapRow), true],
      [
        "a stray record at a position the map lacks",
        async (c, rows) => {
          const leaf = latest(rows).find(isLeaf) as MapRow;
          await c.insert({
            path: Buffer.from([0, 200, ...new Uint8Array(25)]),
            version: 60,
            record: leaf.record,
          });
        },
        false,
      ],
      [
        "a stray record under a version nobody lists",
        async (c, rows) => {
          const row = latest(rows)[0] as MapRow;
          await c.insert({ ...row, version: 59 });
        },
        false,
      ],
      [
        "the latest version's row dropped, its records kept",
        async (c) => c.removeVersion(60),
        false,
      ],
      [
        "the latest version's records replaced by the previous version's (values rolled back)",
        async (c, rows) => {
          for (const row of latest(rows)) {
            const older = rows
              .filter((r) => r.version < 60 && r.path.equals(row.path))
              .sort((a, b) => b.version - a.version)[0];
            if (older !== undefined) await c.update(row, older.record);
          }
        },
        true,
      ],
    ];
    for (const [what, edit, refused] of [...cases, ...extra]) {
      it(`${what} → map-mismatch; extracts refused or genuine; the next checkpoint refused or right`, async () => {
        const r = await attack(edit);
        expect(r.verdict).toBe("map-mismatch");
        expect(r.extracts[2]).toBe(refused ? "refused STORE_CORRUPT" : "ok");
        expect(["refused STORE_CORRUPT", "signed"]).toContain(r.signed);
        if (r.signed === "signed") expect(r.after).toBe("ok");
      });
    }

    it("the latest version rolled back entirely (records and version) is harmless: verify passes, extracts and the next checkpoint come from the events", async () => {
      const r = await attack(async (c, rows) => {
        for (const row of latest(rows)) await c.remove(row);
        await c.removeVersion(60);
      });
      expect(r).toEqual({
        verdict: "ok",
        extracts: ["ok", "ok", "ok"],
        signed: "signed",
        after: "ok",
      });
    });

    it("any one flipped byte of any stored record is reported, and never yields a forged extract or checkpoint (property)", async () => {
      const c = await fresh();
      const rows = await c.rows();
      await c.dispose();
      await fc.assert(
        fc.asyncProperty(
          fc.nat(rows.length - 1),
          fc.nat(),
          fc.integer({ min: 1, max: 255 }),
          async (i, at, delta) => {
            const row = rows[i] as MapRow;
            const r = await attack(async (tc) => {
              const record = Buffer.from(row.record);
              const p = at % record.length;
              record[p] = ((record[p] as number) + delta) & 0xff;
              await tc.update(row, record);
            });
            expect(r.verdict, `row ${i} byte ${at % row.record.length}`).not.toBe("ok");
            expect(["refused STORE_CORRUPT", "signed"]).toContain(r.signed);
            if (r.signed === "signed") expect(r.after).toBe("ok");
          },
        ),
        { numRuns: runs },
      );
    });
  });
}

/**
 * Verify the chain, tree and every checkpoint's map line, but not the stored map (which
 * the attack edited): says whether the checkpoint signed after the edit is right.
 */
async function verifyCaseIgnoringStore(c: TamperCase): Promise<VerifyReport> {
  const o = await c.openReadOnly();
  try {
    return await o.ledger.verify({
      also: [
        await treeCheck(o.treeStore, { origin: LEDGER_ID, policy }),
        // An empty map store in place of the stored one: only the signed map lines are judged.
        await mapCheck(o.treeStore, { map: memoryMapStore() }),
      ],
    });
  } finally {
    await o.close();
  }
}
