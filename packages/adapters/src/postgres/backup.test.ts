import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isDaichoError, type Ledger, openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "./harness/index";
import { openPostgres, type PostgresDatabase } from "./index";

let cluster: PgCluster;
let db: PostgresDatabase;
let dir: string;
let source: Ledger;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, schema: "daicho_backup_test" });
  dir = mkdtempSync(join(tmpdir(), "daicho-backup-"));
  source = await openLedger({ store: db.store("source"), ledgerId: "backup.example/ledger" });
  await source.appendBatch(Array.from({ length: 2500 }, (_, i) => sampleInput(i)));
});
afterAll(async () => {
  await db?.close();
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

async function failure(p: Promise<unknown>): Promise<unknown> {
  return p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

/** Rewrite one line of a backup file. */
function editLine(file: string, out: string, lineNo: number, edit: (line: string) => string): void {
  const lines = readFileSync(file, "utf8").split("\n");
  lines[lineNo] = edit(lines[lineNo] as string);
  writeFileSync(out, lines.join("\n"));
}

describe("PostgreSQL backup and restore", () => {
  it("takes a consistent snapshot while writers keep appending, and restores it verified", async () => {
    const file = join(dir, "online.ndjson");
    const writing = Promise.all(
      Array.from({ length: 300 }, (_, i) => source.append(sampleInput(5000 + i))),
    );
    const backup = await db.backup("source", file);
    await writing;
    expect(backup.count).toBeGreaterThanOrEqual(2500);
    // The snapshot is one instant: its head is an event of the live chain at that seq.
    const live = await source.store.get(backup.head?.seq ?? -1);
    expect(live?.hash).toBe(backup.head?.hash);
    const restored = await db.restore("copy-1", file, { expectHead: backup.head ?? undefined });
    expect(restored.count).toBe(backup.count);
    const copy = await openLedger({ store: db.store("copy-1") });
    expect(copy.ledgerId).toBe("backup.example/ledger");
    expect(await copy.verify()).toMatchObject({
      ok: true,
      count: backup.count,
      headHash: backup.head?.hash,
    });
    // The restored ledger keeps working.
    await copy.append(sampleInput(1));
    expect(await copy.verify()).toMatchObject({ ok: true, count: backup.count + 1 });
  });

  it("refuses a file whose event was altered, and writes nothing", async () => {
    const file = join(dir, "base.ndjson");
    await db.backup("source", file);
    const bad = join(dir, "altered.ndjson");
    editLine(file, bad, 10, (l) => {
      const event = JSON.parse(l) as { body: string };
      const body = event.body.replace('"actor":{', '"actor":{"x":1,');
      expect(body).not.toBe(event.body);
      return JSON.stringify({ ...event, body });
    });
    const e = await failure(db.restore("copy-altered", bad));
    expect(isDaichoError(e, "BACKUP_INVALID")).toBe(true);
    expect(await db.store("copy-altered").meta()).toBeNull();
  });

  it("refuses a truncated file and one whose trailer digest does not match", async () => {
    const file = join(dir, "base2.ndjson");
    await db.backup("source", file);
    const lines = readFileSync(file, "utf8").split("\n");
    const truncated = join(dir, "truncated.ndjson");
    writeFileSync(truncated, `${lines.slice(0, 100).join("\n")}\n`);
    expect(
      isDaichoError(await failure(db.restore("copy-truncated", truncated)), "BACKUP_INVALID"),
    ).toBe(true);
    // Drop the last event and re-seal nothing: the chain still verifies, the trailer does not.
    const shortened = join(dir, "shortened.ndjson");
    writeFileSync(shortened, [...lines.slice(0, -3), ...lines.slice(-2)].join("\n"));
    expect(
      isDaichoError(await failure(db.restore("copy-shortened", shortened)), "BACKUP_INVALID"),
    ).toBe(true);
    expect((await db.tenants()).map((t) => t.tenant)).not.toContain("copy-shortened");
  });

  it("refuses a self-consistent copy that disagrees with the trusted head", async () => {
    const file = join(dir, "base3.ndjson");
    const backup = await db.backup("source", file);
    const head = backup.head as { seq: number; hash: string };
    const e = await failure(
      db.restore("copy-untrusted", file, { expectHead: { seq: head.seq, hash: "0".repeat(64) } }),
    );
    expect(isDaichoError(e, "BACKUP_INVALID")).toBe(true);
    const beyond = await failure(
      db.restore("copy-beyond", file, { expectHead: { seq: head.seq + 5, hash: head.hash } }),
    );
    expect(isDaichoError(beyond, "BACKUP_INVALID")).toBe(true);
    // A trusted head inside the copy (an older checkpoint) is accepted.
    const earlier = (await source.store.get(100)) as { seq: number; hash: string };
    await db.restore("copy-earlier-checkpoint", file, {
      expectHead: { seq: earlier.seq, hash: earlier.hash },
    });
    expect((await db.store("copy-earlier-checkpoint").head())?.hash).toBe(head.hash);
  });

  it("will not restore over an existing tenant", async () => {
    const file = join(dir, "base4.ndjson");
    await db.backup("source", file);
    const e = await failure(db.restore("source", file));
    expect(isDaichoError(e, "LEDGER_MISMATCH")).toBe(true);
    expect(await source.verify()).toMatchObject({ ok: true });
  });

  it("backs up an empty ledger and an unknown tenant is NOT_FOUND", async () => {
    await openLedger({ store: db.store("empty"), ledgerId: "empty.example/ledger" });
    const file = join(dir, "empty.ndjson");
    expect(await db.backup("empty", file)).toMatchObject({ count: 0, head: null });
    expect(await db.restore("empty-copy", file)).toMatchObject({ count: 0, head: null });
    expect(isDaichoError(await failure(db.backup("nobody", join(dir, "x"))), "NOT_FOUND")).toBe(
      true,
    );
  });
});
