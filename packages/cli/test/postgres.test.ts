import { execFile } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { openPostgres, type PostgresDatabase } from "@daicho/adapters/postgres";
import { type PgCluster, startPgCluster } from "@daicho/adapters/postgres/harness";
import { openLedger } from "@daicho/core";
import { fromBase64 } from "@daicho/core/checkpoint";
import { CompactRange, catchUp, eventLeafHash, verifyInclusion } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { run } from "./run";

// A schema of its own per run, dropped afterwards: reruns against DAICHO_PG_URL start clean.
const SCHEMA = `daicho_cli_test_${process.pid}`;
const bin = new URL("../bin/daicho.js", import.meta.url).pathname;

/** Run the built `daicho` binary; resolves with the exit code and output even when it fails. */
async function daicho(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [bin, ...argv]);
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return { code: x.code ?? -1, out: x.stdout ?? "", err: x.stderr ?? "" };
  }
}

let cluster: PgCluster;
let db: PostgresDatabase;
let dir: string;
let url: string;
const hashes: string[] = [];

async function treeSizeInDb(tenant: string): Promise<number> {
  return db.treeStore(tenant).size();
}

beforeAll(async () => {
  cluster = await startPgCluster();
  url = cluster.url;
  dir = mkdtempSync(join(tmpdir(), "daicho-cli-pg-"));
  db = await openPostgres({ connectionString: url, schema: SCHEMA, migrate: true });
  const ledger = await openLedger({ store: db.store("acme"), ledgerId: "acme.example/crm" });
  await ledger.appendBatch(Array.from({ length: 30 }, (_, i) => sampleInput(i)));
  // The stored tree covers 30 events; 10 more arrive after it.
  await catchUp(db.treeStore("acme"), ledger.store);
  await ledger.appendBatch(Array.from({ length: 10 }, (_, i) => sampleInput(30 + i)));
  for await (const e of ledger.store.read()) hashes.push(e.hash);
  // Another tenant in the same database, whose history is then rewritten behind the guard.
  const other = await openLedger({ store: db.store("globex"), ledgerId: "globex.example/crm" });
  await other.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(i)));
});
afterAll(async () => {
  await db?.pool.query(`DROP SCHEMA IF EXISTS ${SCHEMA} CASCADE`).catch(() => undefined);
  await db?.close();
  cluster?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

describe("daicho against a PostgreSQL ledger", () => {
  it("verify: the built binary checks one tenant's chain, read-only", async () => {
    const r = await daicho("verify", url, "--tenant", "acme", "--schema", SCHEMA, "--json");
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: true,
      ledgerId: "acme.example/crm",
      count: 40,
      headHash: hashes[39],
    });
    const other = await daicho("verify", url, "--tenant", "globex", "--schema", SCHEMA);
    expect(other.out).toMatch(/^OK {2}globex\.example\/crm: 5 events verified/);
  });

  it("prove: the built binary gives an inclusion proof that verifies, without writing the tree", async () => {
    const r = await daicho("prove", url, "17", "--tenant", "acme", "--schema", SCHEMA, "--json");
    expect(r.code, r.err).toBe(0);
    const proof = JSON.parse(r.out) as {
      ok: boolean;
      treeSize: number;
      root: string;
      proof: string[];
    };
    expect(proof).toMatchObject({ ok: true, seq: 17, treeSize: 40, eventHash: hashes[17] });
    // The root, recomputed here from the events alone.
    const range = new CompactRange();
    for (const h of hashes) range.appendLeaf(eventLeafHash(h));
    expect(fromBase64(proof.root)).toEqual(range.root());
    const path = proof.proof.map((p) => fromBase64(p) as Uint8Array);
    expect(
      verifyInclusion(17, 40, eventLeafHash(hashes[17] as string), path, range.root())._tag,
    ).toBe("Right");
    // The 10 newest leaves were added in memory only: the stored tree is untouched.
    expect(await treeSizeInDb("acme")).toBe(30);
  });

  it("checkpoint stores a signed checkpoint in PostgreSQL; prove checks against it", async () => {
    expect((await run("keygen", "acme.example/crm", "--out", join(dir, "log.key"))).code).toBe(0);
    const cp = await run(
      "checkpoint",
      url,
      "--tenant",
      "acme",
      "--schema",
      SCHEMA,
      "--key",
      join(dir, "log.key"),
      "--out",
      join(dir, "cp.txt"),
    );
    expect(cp.code, cp.err).toBe(0);
    expect(await treeSizeInDb("acme")).toBe(40);
    expect((await db.treeStore("acme").latestCheckpoint())?.size).toBe(40);
    const r = await run(
      "prove",
      url,
      "3",
      "--tenant",
      "acme",
      "--schema",
      SCHEMA,
      "--checkpoint",
      join(dir, "cp.txt"),
      "--vkey",
      join(dir, "log.key.vkey"),
      "--json",
    );
    expect(r.code, r.out + r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, seq: 3, treeSize: 40 });
    const latest = await run(
      "checkpoint",
      url,
      "--tenant",
      "acme",
      "--schema",
      SCHEMA,
      "--latest",
      "--json",
    );
    expect(JSON.parse(latest.out)).toMatchObject({
      ok: true,
      size: 40,
      origin: "acme.example/crm",
    });
  });

  it("reports a rewritten event as BROKEN (exit 1)", async () => {
    const client = await db.pool.connect();
    try {
      // A superuser can get past the append-only guard; the hash chain still tells.
      await client.query(`ALTER TABLE ${SCHEMA}.events DISABLE TRIGGER events_append_only`);
      await client.query(
        `UPDATE ${SCHEMA}.events SET body = replace(body, '"actor":{', '"actor":{"x":1,')
         WHERE seq = 2 AND ledger_key = (SELECT ledger_key FROM ${SCHEMA}.ledgers WHERE tenant = 'globex')`,
      );
      await client.query(`ALTER TABLE ${SCHEMA}.events ENABLE TRIGGER events_append_only`);
    } finally {
      client.release();
    }
    const r = await run("verify", url, "--tenant", "globex", "--schema", SCHEMA, "--json");
    expect(r.code).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, failure: { seq: 2 } });
  });

  it("is a usage error for an unknown tenant or --tenant on a SQLite file", async () => {
    const missing = await run("verify", url, "--tenant", "nobody", "--schema", SCHEMA, "--json");
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.out).error.code).toBe("NOT_FOUND");
    const sqlite = await run("verify", join(dir, "ledger.db"), "--tenant", "acme");
    expect(sqlite.code).toBe(2);
    expect(sqlite.err).toContain("--tenant and --schema apply to PostgreSQL URLs only");
  });
});
