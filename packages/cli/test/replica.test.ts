import { spawn } from "node:child_process";
import { openPostgres, type PostgresDatabase } from "@daicho/adapters/postgres";
import { type PgCluster, startPgCluster } from "@daicho/adapters/postgres/harness";
import { awaitHead, type ChainHead, isDaichoError, type Ledger, openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BIN, daicho } from "./bin";

// A real streaming replica: a hot standby made by pg_basebackup -R from the primary, whose
// replay the test pauses to make it lag, and which it finally promotes to make it fork.
const SCHEMA = "daicho_replica";
const LEDGER_ID = "acme.example/crm";

let primary: PgCluster;
let standby: PgCluster;
let db: PostgresDatabase;
let replica: PostgresDatabase;
let ledger: Ledger;

function cli(url: string, held: ChainHead, ...more: string[]): string[] {
  return [
    "verify",
    url,
    "--tenant",
    "acme",
    "--schema",
    SCHEMA,
    "--expect-seq",
    String(held.seq),
    "--expect-hash",
    held.hash,
    ...more,
  ];
}

async function headOf(d: PostgresDatabase): Promise<ChainHead | null> {
  return d.store("acme").head();
}

/** Wait until the standby has replayed up to the primary's head. */
async function replayed(held: ChainHead): Promise<void> {
  await awaitHead(replica.store("acme"), held, { waitMs: 30_000, pollMs: 50 });
}

beforeAll(async () => {
  primary = await startPgCluster({ privateCluster: true });
  db = await openPostgres({ connectionString: primary.url, schema: SCHEMA, migrate: true });
  ledger = await openLedger({ store: db.store("acme"), ledgerId: LEDGER_ID });
  await ledger.appendBatch(Array.from({ length: 40 }, (_, i) => sampleInput(i)));
  standby = await primary.startStandby();
  replica = await openPostgres({ connectionString: standby.url, schema: SCHEMA, readonly: true });
  const head = await ledger.head();
  if (head === null) throw new Error("empty");
  await replayed(head);
}, 120_000);

afterAll(async () => {
  await replica?.close();
  await db?.close();
  primary?.destroy();
});

describe("verify on a real read replica (a streaming hot standby)", () => {
  it("refuses writes on the replica and changes nothing on the primary", async () => {
    const before = await ledger.head();
    const onReplica = await openLedger({ store: replica.store("acme"), ledgerId: LEDGER_ID })
      .then(
        (l) => l.appendBatch([sampleInput(500)]),
        (e: unknown) => Promise.reject(e),
      )
      .then(
        () => undefined,
        (e: unknown) => e,
      );
    expect(isDaichoError(onReplica, "STORE_UNAVAILABLE"), String(onReplica)).toBe(true);
    expect(await ledger.head()).toEqual(before);
  });

  it("a lagging replica is 'not caught up' (exit 3), not truncated, and verifies once it has caught up", async () => {
    await replica.pool.query("SELECT pg_wal_replay_pause()");
    await ledger.appendBatch(Array.from({ length: 20 }, (_, i) => sampleInput(40 + i)));
    const held = await ledger.head();
    if (held === null) throw new Error("empty");
    expect((await headOf(replica))?.seq).toBe(39);

    // Without --wait the held head is simply not there: truncated (exit 1).
    const plain = await daicho(cli(standby.url, held));
    expect(plain.code, plain.err).toBe(1);
    expect(plain.out).toContain("truncated");
    // With --wait the replica gets time, and a replica still behind exits 3: nothing checked.
    const behind = await daicho(cli(standby.url, held, "--wait", "1"));
    expect(behind.code, behind.out + behind.err).toBe(3);
    expect(behind.err).toContain("NOT_CAUGHT_UP");
    expect(behind.err).toContain("holds 40 events, fewer than the 60");
    expect(behind.out).not.toContain("OK");

    // A verify that is waiting when replay resumes verifies the whole held head.
    const waiting = new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn(process.execPath, [BIN, ...cli(standby.url, held, "--wait", "60")]);
      let out = "";
      child.stdout.on("data", (d: Buffer) => (out += d.toString()));
      child.on("close", (code) => resolve({ code, out }));
    });
    await new Promise((r) => setTimeout(r, 700));
    await replica.pool.query("SELECT pg_wal_replay_resume()");
    const done = await waiting;
    expect(done.code, done.out).toBe(0);
    expect(done.out).toContain("60 events verified");
    expect(done.out).toContain(`holds your head #${held.seq}`);
  }, 120_000);

  it("a replica that forked (promoted and written to) fails as head-mismatch even with --wait", async () => {
    const upTo = await ledger.head();
    if (upTo === null) throw new Error("empty");
    await replayed(upTo);
    await replica.pool.query("SELECT pg_promote(true, 60)");
    // The old primary and the promoted standby each take a different event #60.
    await ledger.appendBatch([sampleInput(700)]);
    const held = await ledger.head();
    if (held === null) throw new Error("empty");
    const forkDb = await openPostgres({ connectionString: standby.url, schema: SCHEMA });
    try {
      const fork = await openLedger({ store: forkDb.store("acme"), ledgerId: LEDGER_ID });
      await fork.appendBatch([sampleInput(701)]);
      expect((await fork.head())?.seq).toBe(held.seq);
      expect((await fork.head())?.hash).not.toBe(held.hash);
    } finally {
      await forkDb.close();
    }
    const r = await daicho(cli(standby.url, held, "--wait", "5", "--json"));
    expect(r.code, r.err).toBe(1);
    expect(JSON.parse(r.out)).toMatchObject({ ok: false, failure: { kind: "head-mismatch" } });
  }, 120_000);

  it("refuses --wait without a held head, and an absurd wait", async () => {
    const noHead = await daicho(["verify", standby.url, "--schema", SCHEMA, "--wait", "5"]);
    expect(noHead.code).toBe(2);
    expect(noHead.err).toContain("--wait waits for a held head");
    const head = await ledger.head();
    if (head === null) throw new Error("empty");
    const tooLong = await daicho(cli(standby.url, head, "--wait", "100000"));
    expect(tooLong.code).toBe(2);
    expect(tooLong.err).toContain("at most 86400");
  });
});
