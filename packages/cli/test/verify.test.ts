import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { run } from "./run";

let dir: string;
let path: string;

async function makeLedger(count: number): Promise<void> {
  const ledger = await openLedger({ store: sqliteStore(path), ledgerId: "cli.test/ledger" });
  await ledger.appendBatch(Array.from({ length: count }, (_, i) => sampleInput(i)));
  await ledger.close();
}

function sql(statement: string, ...params: unknown[]): void {
  const db = new Database(path);
  db.prepare(statement).run(...params);
  db.close();
}

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-cli-"));
  path = join(dir, "ledger.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("daicho verify", () => {
  it("prints OK with the event count and head hash, exit 0", async () => {
    await makeLedger(30);
    const r = await run("verify", path);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(
      /^OK {2}cli\.test\/ledger: 30 events verified; head #29 [0-9a-f]{64}\n {4}also checked: columns, head, subject-index, type-index, tree, checkpoints, subject-map, map-store \(checkpoint signatures not checked: give --vkey\)\n {4}no signed checkpoint is stored here: the operator may keep the tree and checkpoints in a file of their own \(give it as --tree FILE\)\n$/,
    );
  });

  it("gives machine-readable JSON", async () => {
    await makeLedger(5);
    const r = await run("verify", path, "--json");
    expect(JSON.parse(r.out)).toMatchObject({
      ok: true,
      count: 5,
      headSeq: 4,
      ledgerId: "cli.test/ledger",
    });
  });

  it("names the first broken sequence number when content changed, exit 1", async () => {
    await makeLedger(20);
    sql(
      "UPDATE daicho_events SET body = replace(body, 'sales-follow-up', 'sales-follow-uq') WHERE seq = 12",
    );
    const r = await run("verify", path, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: false,
      count: 12,
      failure: { seq: 12, kind: "content-changed" },
    });
    const text = await run("verify", path);
    expect(text.out).toContain("first broken sequence number 12 (content-changed)");
  });

  it("reports a deleted event as missing", async () => {
    await makeLedger(20);
    sql("DELETE FROM daicho_events WHERE seq = 7");
    const r = await run("verify", path, "--json");
    expect(JSON.parse(r.out).failure).toMatchObject({ seq: 7, kind: "event-missing" });
  });

  it("reports a truncated tail against a head the auditor holds", async () => {
    await makeLedger(10);
    const full = JSON.parse((await run("verify", path, "--json")).out);
    sql("DELETE FROM daicho_events WHERE seq >= 8");
    const r = await run(
      "verify",
      path,
      "--json",
      "--expect-seq",
      "9",
      "--expect-hash",
      full.headHash,
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).failure).toMatchObject({ seq: 8, kind: "truncated" });
  });

  it("says clearly when the file is not a ledger: the evidence fails, exit 1, no stack trace", async () => {
    writeFileSync(path, Buffer.alloc(8192, 7));
    const r = await run("verify", path);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(
      /^daicho: STORE_CORRUPT at .*ledger\.db: file is not a readable Daichō ledger/,
    );
    expect(r.err).not.toMatch(/\n\s+at /);
  });

  it("says clearly when the file is truncated", async () => {
    await makeLedger(3000);
    const size = readFileSync(path).length;
    truncateSync(path, Math.floor(size / 3));
    const r = await run("verify", path, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out).error.code).toBe("STORE_CORRUPT");
  });

  it("says clearly when the file does not exist", async () => {
    const r = await run("verify", join(dir, "missing.db"));
    expect(r.code).toBe(2);
    expect(r.err).toContain("NOT_FOUND");
  });

  it("runs as the installed `daicho` binary", async () => {
    await makeLedger(3);
    const bin = new URL("../bin/daicho.js", import.meta.url).pathname;
    const { stdout } = await promisify(execFile)(process.execPath, [bin, "verify", path, "--json"]);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, count: 3 });
  });
});
