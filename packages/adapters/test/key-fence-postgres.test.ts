/**
 * The tenant fence against key-store writes (migration 9). Each race uses its own
 * connections (never a pool): a key writer and a fencer, with the fence set by the very
 * statement `moveTenant` uses (tenant-move.ts), and the waits observed in `pg_locks`. The
 * same races run against a schema stopped at migration 8, where the first one shows the
 * defect: a key write checked before the fence commits after it, after the move's backup.
 */
import { type EventInput, isDaichoError, isRedacted, type Ledger, openLedger } from "@daicho/core";
import { ed25519Signer as checkpointSigner, emitCheckpoint } from "@daicho/core/checkpoint";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { migratePostgres, openPostgres, type PostgresDatabase } from "../src/postgres/index";
import { migrationScript, SCHEMA_VERSION } from "../src/postgres/migration-sql";
import { TABLES } from "../src/postgres/schema";

type Isolation = "READ COMMITTED" | "REPEATABLE READ" | "SERIALIZABLE";
const ISOLATIONS: readonly Isolation[] = ["READ COMMITTED", "REPEATABLE READ", "SERIALIZABLE"];

let cluster: PgCluster;
let admin: pg.Client;
const V8 = `daicho_kf8_${process.pid}`;
const V9 = `daicho_kf9_${process.pid}`;
const SRC = `daicho_kfsrc_${process.pid}`;
const UP = `daicho_kfup_${process.pid}`;
const open: pg.Client[] = [];
let tenants = 0;

beforeAll(async () => {
  cluster = await startPgCluster();
  admin = new pg.Client(cluster.url);
  await admin.connect();
  for (let v = 1; v <= 8; v++) await admin.query(migrationScript(V8, v));
  for (let v = 1; v <= SCHEMA_VERSION; v++) await admin.query(migrationScript(V9, v));
}, 120_000);

afterAll(async () => {
  for (const c of open) await c.end().catch(() => {});
  for (const s of [V8, V9, SRC, UP]) await admin?.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin?.end();
  cluster?.destroy();
});

/** A connection of its own that can never hang a test: every wait and statement is bounded. */
async function connection(): Promise<{ c: pg.Client; pid: number }> {
  const c = new pg.Client(cluster.url);
  open.push(c);
  await c.connect();
  await c.query("SET lock_timeout = '15s'");
  await c.query("SET statement_timeout = '20s'");
  const r = await c.query<{ pid: number }>("SELECT pg_backend_pid() AS pid");
  return { c, pid: (r.rows[0] as { pid: number }).pid };
}

async function close(...cs: pg.Client[]): Promise<void> {
  for (const c of cs) {
    await c.query("ROLLBACK").catch(() => {});
    await c.end().catch(() => {});
  }
}

/** A fresh tenant with a ledger row and a KEK check, unfenced. */
async function newTenant(schema: string): Promise<string> {
  const t = `kf-${++tenants}`;
  await admin.query(
    `INSERT INTO ${schema}.ledgers (tenant, ledger_id, created_at, envelope_version) VALUES ($1, $2, $3, 2)`,
    [t, `${t}.example/l`, new Date().toISOString()],
  );
  await admin.query(
    `INSERT INTO ${schema}.kek_checks (tenant, kek_id, check_value) VALUES ($1, 'kek-1', $2)`,
    [t, Buffer.alloc(32, 9)],
  );
  return t;
}

/** Set the fence exactly as moveTenant does (autocommit unless `c` is in a transaction). */
function fence(c: pg.Client, schema: string, tenant: string): Promise<pg.QueryResult> {
  return c.query(
    `UPDATE ${schema}.ledgers SET fenced_at = $2 WHERE tenant = $1 RETURNING head_seq, head_hash, ledger_id`,
    [tenant, new Date().toISOString()],
  );
}

/** The key-store writes the trigger guards, each as the key store issues it. */
const WRITES: readonly {
  readonly name: string;
  readonly sql: (s: string) => string;
  readonly params: (t: string, n: number) => unknown[];
  readonly prepare?: (s: string, t: string) => Promise<unknown>;
}[] = [
  {
    name: "put a data key",
    sql: (s) =>
      `INSERT INTO ${s}.subject_keys (tenant, subject, key_id, kek_id, wrapped, created_at, provisional) VALUES ($1, $2, $3, 'kek-1', $4, $5, false)`,
    params: (t, n) => [
      t,
      `subject-${n}`,
      `key-${n}`,
      Buffer.alloc(40, n),
      new Date().toISOString(),
    ],
  },
  {
    name: "confirm a provisional key",
    prepare: (s, t) =>
      admin.query(
        `INSERT INTO ${s}.subject_keys (tenant, subject, key_id, kek_id, wrapped, created_at, provisional) VALUES ($1, 'held', 'key-held', 'kek-1', $2, 'x', true)`,
        [t, Buffer.alloc(40, 1)],
      ),
    sql: (s) =>
      `UPDATE ${s}.subject_keys SET provisional = false WHERE tenant = $1 AND subject = 'held' AND key_id = 'key-held'`,
    params: (t) => [t],
  },
  {
    name: "destroy a key (delete + tombstone)",
    prepare: (s, t) =>
      admin.query(
        `INSERT INTO ${s}.subject_keys (tenant, subject, key_id, kek_id, wrapped, created_at) VALUES ($1, 'gone', 'key-gone', 'kek-1', $2, 'x')`,
        [t, Buffer.alloc(40, 2)],
      ),
    sql: (s) =>
      `WITH d AS (DELETE FROM ${s}.subject_keys WHERE tenant = $1 AND subject = 'gone' RETURNING key_id)
       INSERT INTO ${s}.key_tombstones (tenant, subject, key_ids, erased_at) SELECT $1, 'gone', array_agg(key_id), 'now' FROM d`,
    params: (t) => [t],
  },
  {
    name: "rewrap the KEK check",
    sql: (s) => `UPDATE ${s}.kek_checks SET kek_id = 'kek-2', check_value = $2 WHERE tenant = $1`,
    params: (t) => [t, Buffer.alloc(32, 3)],
  },
];

/** Every key-store row of the tenant, as one comparable value (read in a fresh snapshot). */
async function keyRows(schema: string, tenant: string): Promise<string> {
  const r = await admin.query<{ v: string }>(
    `SELECT concat_ws(' | ',
       (SELECT string_agg(k::text, ',' ORDER BY k.subject, k.key_id) FROM ${schema}.subject_keys k WHERE tenant = $1),
       (SELECT string_agg(b::text, ',' ORDER BY b.subject) FROM ${schema}.key_tombstones b WHERE tenant = $1),
       (SELECT string_agg(c::text, ',') FROM ${schema}.kek_checks c WHERE tenant = $1)) AS v`,
    [tenant],
  );
  return (r.rows[0] as { v: string }).v;
}

/** The lock `pid` is waiting for, polled until it waits or `done()` (null then). Bounded. */
async function waitingOn(
  pid: number,
  done: () => boolean,
): Promise<{ locktype: string; mode: string } | null> {
  for (let i = 0; i < 1000; i++) {
    const r = await admin.query<{ locktype: string; mode: string }>(
      "SELECT locktype, mode FROM pg_locks WHERE pid = $1 AND NOT granted",
      [pid],
    );
    if (r.rows[0] !== undefined) return r.rows[0];
    if (done()) return null;
    await new Promise((res) => setTimeout(res, 5));
  }
  throw new Error(`backend ${pid} neither waited nor finished within 5 s`);
}

/** Settle a promise into its SQLSTATE (or "ok"), never rejecting. */
function outcome(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => "ok",
    (e: unknown) => (e as { code?: string }).code ?? String(e),
  );
}

/**
 * Race (a): a key write runs its check (the tenant unfenced), stays uncommitted, and the
 * fence is set meanwhile; then the key write commits. Returns what the fence waited for,
 * the key rows as they were when the fence committed, and as they end up.
 */
async function keyWriteThenFence(schema: string, write: (typeof WRITES)[number], iso: Isolation) {
  const t = await newTenant(schema);
  await write.prepare?.(schema, t);
  const k = await connection();
  const f = await connection();
  try {
    await k.c.query(`BEGIN ISOLATION LEVEL ${iso}`);
    await k.c.query(write.sql(schema), write.params(t, 1));
    let fenced = false;
    const fencing = outcome(fence(f.c, schema, t).then(() => (fenced = true)));
    const waited = await waitingOn(f.pid, () => fenced);
    let atFence = fenced ? await keyRows(schema, t) : undefined;
    const commit = await outcome(k.c.query("COMMIT"));
    expect(await fencing).toBe("ok");
    atFence ??= await keyRows(schema, t);
    return { waited, commit, atFence, after: await keyRows(schema, t) };
  } finally {
    await close(k.c, f.c);
  }
}

describe("key writes racing the tenant fence (PostgreSQL, separate connections)", () => {
  it("migration 8 lets a key write checked before the fence commit after it (the defect this fixes)", async () => {
    const r = await keyWriteThenFence(V8, WRITES[0] as (typeof WRITES)[number], "READ COMMITTED");
    expect(r.waited).toBeNull(); // the fence did not wait for the key write in flight
    expect(r.commit).toBe("ok");
    expect(r.after).not.toEqual(r.atFence); // a key row landed after the fence committed
  });

  for (const iso of ISOLATIONS)
    for (const write of WRITES)
      it(`(a) ${iso}, ${write.name} in flight: the fence waits for it, so it lands before the fence commits`, async () => {
        const r = await keyWriteThenFence(V9, write, iso);
        expect(r.waited, "the fence must wait for the key write in flight").not.toBeNull();
        // READ COMMITTED writers meet the fence on its advisory lock, the others on the ledgers row.
        if (iso === "READ COMMITTED")
          expect(r.waited).toEqual({ locktype: "advisory", mode: "ExclusiveLock" });
        expect(r.commit).toBe("ok");
        expect(r.after).toEqual(r.atFence); // nothing changed once the fence was committed
      });

  for (const iso of ISOLATIONS)
    it(`(b) ${iso}: a key write while the fence is uncommitted waits, then is refused and changes nothing`, async () => {
      const t = await newTenant(V9);
      const before = await keyRows(V9, t);
      const f = await connection();
      const k = await connection();
      try {
        await f.c.query("BEGIN");
        await fence(f.c, V9, t);
        await k.c.query(`BEGIN ISOLATION LEVEL ${iso}`);
        let done = false;
        const writing = outcome(
          k.c.query(
            (WRITES[0] as (typeof WRITES)[number]).sql(V9),
            (WRITES[0] as (typeof WRITES)[number]).params(t, 2),
          ),
        ).then((x) => {
          done = true;
          return x;
        });
        expect(
          await waitingOn(k.pid, () => done),
          "the key write must wait for the fence",
        ).not.toBeNull();
        await f.c.query("COMMIT");
        // The fence read after the wait (DA006), or a snapshot that predates it (40001, retryable).
        expect(await writing).toBe(iso === "READ COMMITTED" ? "DA006" : "40001");
        await k.c.query("ROLLBACK");
        expect(await keyRows(V9, t)).toEqual(before);
      } finally {
        await close(f.c, k.c);
      }
    });

  for (const iso of ISOLATIONS)
    for (const write of WRITES)
      it(`${iso}, snapshot taken before the fence committed, then ${write.name}: refused, nothing changed`, async () => {
        const t = await newTenant(V9);
        await write.prepare?.(V9, t);
        const before = await keyRows(V9, t);
        const k = await connection();
        const f = await connection();
        try {
          await k.c.query(`BEGIN ISOLATION LEVEL ${iso}`);
          await k.c.query(`SELECT count(*) FROM ${V9}.subject_keys WHERE tenant = $1`, [t]);
          await fence(f.c, V9, t);
          expect(await outcome(k.c.query(write.sql(V9), write.params(t, 3)))).toBe(
            iso === "READ COMMITTED" ? "DA006" : "40001",
          );
          await k.c.query("ROLLBACK");
          expect(await keyRows(V9, t)).toEqual(before);
        } finally {
          await close(k.c, f.c);
        }
      });

  it("(c) a key write does not wait for an append in flight on the same tenant", async () => {
    const t = await newTenant(V9);
    const a = await connection();
    const k = await connection();
    try {
      const key = await admin.query<{ ledger_key: string }>(
        `SELECT ledger_key FROM ${V9}.ledgers WHERE tenant = $1`,
        [t],
      );
      await a.c.query("BEGIN");
      // A real append, left uncommitted: append_events holds the ledgers row FOR UPDATE.
      await a.c.query(
        `SELECT ${V9}.append_events($1, -1, NULL, ARRAY[0::bigint], ARRAY['e0'], ARRAY['t'], ARRAY['2026-12-03T00:00:00Z'], ARRAY['s'], ARRAY['p'], ARRAY['h'], ARRAY['{}'])`,
        [key.rows[0]?.ledger_key],
      );
      await k.c.query("BEGIN");
      for (const write of WRITES) {
        await write.prepare?.(V9, t);
        let done = false;
        const writing = outcome(k.c.query(write.sql(V9), write.params(t, 4))).then((x) => {
          done = true;
          return x;
        });
        expect(await waitingOn(k.pid, () => done), write.name).toBeNull();
        expect(await writing).toBe("ok");
      }
      await k.c.query("COMMIT");
    } finally {
      await close(a.c, k.c);
    }
  });
});

const kek = { id: "kek-up", key: new Uint8Array(32).fill(5) };
const withPersonal = (n: number, subject: string): EventInput =>
  ({
    ...sampleInput(n, subject),
    personal: [{ subject, field: "email", value: `person-${n}@example.jp` }],
  }) as EventInput;

/** Grow the tenant's tree to its chain and sign a checkpoint (tree, checkpoint writes). */
async function checkpointNow(db: PostgresDatabase, ledger: Ledger): Promise<void> {
  const tree = await catchUp(db.treeStore("up"), ledger.store);
  await emitCheckpoint(
    tree,
    checkpointSigner("up.example/l", new Uint8Array(32).fill(3)),
    "up.example/l",
  );
  await tree.store.close();
}

describe("(d) upgrading a schema at migration 8 that holds data", () => {
  it("applies only migration 9, keeps chain, keys, tombstones, tree and checkpoint working, and fences key writes", async () => {
    // A tenant with events, data keys, an erased subject, a tree and a checkpoint ...
    await migratePostgres({ connectionString: cluster.url, schema: SRC });
    const src = await openPostgres({ connectionString: cluster.url, schema: SRC });
    const events = [];
    let count = 0;
    try {
      const ledger = await openLedger({
        store: src.store("up"),
        ledgerId: "up.example/l",
        keys: { store: src.keyStore("up"), kek },
      });
      for (let i = 0; i < 8; i++) events.push(await ledger.append(withPersonal(i, `c-${i % 4}`)));
      const erasure = erasureService({
        ledger,
        signer: ed25519Signer("up.example/erasure", new Uint8Array(32).fill(9)),
        actor: { id: "dpo-1", role: "dpo" },
      });
      const request = await erasure.request("c-0", { requestedBy: "c-0", channel: "email" });
      expect((await erasure.execute(request.requestId)).outcome).toBe("erased");
      await checkpointNow(src, ledger);
      count = (await ledger.verify()).count;
    } finally {
      await src.close();
    }
    // ... copied row for row into a schema that stops at migration 8.
    for (let v = 1; v <= 8; v++) await admin.query(migrationScript(UP, v));
    for (const table of TABLES)
      await admin.query(
        `INSERT INTO ${UP}.${table} OVERRIDING SYSTEM VALUE SELECT * FROM ${SRC}.${table}`,
      );
    for (const [table, column] of [
      ["ledgers", "ledger_key"],
      ["subject_keys", "ord"],
    ])
      await admin.query(
        `SELECT setval(pg_get_serial_sequence('${UP}.${table}', '${column}'), (SELECT max(${column}) FROM ${UP}.${table}))`,
      );
    const keysBefore = await keyRows(UP, "up");
    expect(keysBefore).toContain("c-1");

    expect(await migratePostgres({ connectionString: cluster.url, schema: UP })).toMatchObject({
      from: 8,
      applied: [{ version: 9 }],
    });
    expect(await keyRows(UP, "up")).toEqual(keysBefore);
    const db = await openPostgres({ connectionString: cluster.url, schema: UP });
    try {
      const ledger = await openLedger({
        store: db.store("up"),
        ledgerId: "up.example/l",
        keys: { store: db.keyStore("up"), kek },
      });
      expect(await ledger.verify()).toMatchObject({ ok: true, count });
      expect((await ledger.openPersonal(events[1] as never))[0]?.value).toBe("person-1@example.jp");
      expect(isRedacted((await ledger.openPersonal(events[0] as never))[0]?.value)).toBe(true);
      await ledger.append(withPersonal(20, "c-new")); // a new data key, after the upgrade
      await checkpointNow(db, ledger);
      const cps = await admin.query(`SELECT size FROM ${UP}.checkpoints ORDER BY size`);
      expect(cps.rows.map((r) => Number(r.size))).toEqual([count, count + 1]);

      await fence(admin, UP, "up");
      const fencedKeys = await keyRows(UP, "up");
      const e = await db
        .keyStore("up")
        .putIfAbsent({
          keyId: "k-late",
          subject: "c-late",
          kekId: kek.id,
          wrapped: new Uint8Array(40).fill(1),
          createdAt: new Date().toISOString(),
        })
        .catch((x: unknown) => x);
      expect(isDaichoError(e, "STORE_UNAVAILABLE"), String(e)).toBe(true);
      expect((e as { details?: unknown }).details).toEqual({ fenced: true });
      expect(await keyRows(UP, "up")).toEqual(fencedKeys);
    } finally {
      await db.close();
    }
  }, 60_000);
});
