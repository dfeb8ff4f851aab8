import { isDaichoError, type StoredEvent } from "@daicho/core";
import { storeConformance, typeIndexConformance } from "@daicho/core/testing";
import fc from "fast-check";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { encodeCopyBinary } from "./copy-binary";
import { copyIn } from "./copy-in";
import { type PgCluster, startPgCluster } from "./harness/index";
import { openPostgres, type PostgresDatabase } from "./index";

let cluster: PgCluster;
let db: PostgresDatabase;
let counter = 0;
const SCHEMA = "daicho_copy_test";

beforeAll(async () => {
  cluster = await startPgCluster({ privateCluster: true });
  db = await openPostgres({ connectionString: cluster.url, schema: SCHEMA, migrate: true });
});
afterAll(async () => {
  await db?.close();
  cluster?.destroy();
});

// Every append of the shared suite goes through COPY (threshold 1).
const viaCopy = async () => {
  const tenant = `copy-conformance-${++counter}`;
  return {
    store: db.store(tenant, { pageSize: 50, copyThreshold: 1 }),
    reopen: async () => db.store(tenant, { pageSize: 50, copyThreshold: 1 }),
    dispose: async () => {},
  };
};
storeConformance("postgres (COPY path)", viaCopy);
typeIndexConformance("postgres (COPY path)", viaCopy);

/** `n` linked rows from `from`, with bodies of about `bodyBytes` (the store checks links, not hashes). */
function rows(n: number, from = 0, bodyBytes = 200, prev = "0".repeat(64)): StoredEvent[] {
  const out: StoredEvent[] = [];
  let prevHash = prev;
  for (let i = from; i < from + n; i++) {
    const hash = i.toString(16).padStart(64, "f");
    out.push({
      seq: i,
      id: `ev-${i}`,
      type: i % 3 === 0 ? "consent.granted" : "crm.contact.updated",
      recordedAt: "2026-12-02T00:00:00.000Z",
      subjects: i % 5 === 0 ? [] : [`subj-${i % 97}`, `other-${i % 7}`],
      prevHash,
      hash,
      body: `{"n":${i},"pad":"${"x".repeat(bodyBytes)}","jp":"台帳\\n\\t\\\\"}`,
    });
    prevHash = hash;
  }
  return out;
}

async function freshStore(tenant: string) {
  const store = db.store(tenant, { copyThreshold: 1 });
  await store.init({
    ledgerId: `${tenant}.example/ledger`,
    createdAt: "2026-12-02T00:00:00.000Z",
    envelopeVersion: 1,
  });
  return store;
}

async function eventCount(tenant: string): Promise<number> {
  const r = await db.pool.query(
    `SELECT count(*) AS n FROM ${SCHEMA}.events e JOIN ${SCHEMA}.ledgers l USING (ledger_key) WHERE l.tenant = $1`,
    [tenant],
  );
  return Number(r.rows[0].n);
}

async function subjectRowCount(tenant: string): Promise<number> {
  const r = await db.pool.query(
    `SELECT count(*) AS n FROM ${SCHEMA}.event_subjects e JOIN ${SCHEMA}.ledgers l USING (ledger_key) WHERE l.tenant = $1`,
    [tenant],
  );
  return Number(r.rows[0].n);
}

/** Poll until a backend is running a COPY into the events table; its pid. */
async function copyBackend(url: string, timeoutMs = 20_000): Promise<number> {
  const watcher = new pg.Client(url);
  await watcher.connect();
  try {
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const r = await watcher.query(
        "SELECT pid FROM pg_stat_activity WHERE state = 'active' AND query LIKE 'COPY %.events %'",
      );
      if (r.rows[0] !== undefined) return Number(r.rows[0].pid);
    }
    throw new Error("no COPY seen");
  } finally {
    await watcher.end();
  }
}

describe("binary COPY encoding", () => {
  it("round-trips any text, array and bigint through PostgreSQL byte for byte", async () => {
    const client = await db.pool.connect();
    try {
      await client.query(
        "CREATE TEMP TABLE copy_roundtrip (k bigint, t text, a text[]) ON COMMIT PRESERVE ROWS",
      );
      // Any Unicode except NUL (which PostgreSQL text cannot hold) and lone surrogates.
      const text = fc.string({ unit: "grapheme", maxLength: 40 }).filter((x) => !x.includes("\0"));
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.tuple(
              fc.integer({ min: -(2 ** 53) + 1, max: 2 ** 53 - 1 }),
              text,
              fc.array(text, { maxLength: 4 }),
            ),
            { maxLength: 20 },
          ),
          async (tuples) => {
            await client.query("TRUNCATE copy_roundtrip");
            const n = await copyIn(
              client,
              "COPY copy_roundtrip (k, t, a) FROM STDIN (FORMAT binary)",
              encodeCopyBinary(["bigint", "text", "text[]"], tuples),
            );
            expect(n).toBe(tuples.length);
            const back = await client.query({
              text: "SELECT k, t, a FROM copy_roundtrip ORDER BY ctid",
              rowMode: "array",
            });
            expect(back.rows.map(([k, t, a]) => [Number(k), t, a])).toEqual(tuples);
          },
        ),
        { numRuns: 60 },
      );
    } finally {
      await client.query("DROP TABLE IF EXISTS copy_roundtrip");
      client.release();
    }
  });
});

describe("PostgreSQL append by COPY is all-or-nothing", () => {
  it("stores nothing of a batch whose row in the middle is refused (duplicate event id)", async () => {
    const store = await freshStore("copy-dup");
    const first = rows(10);
    await store.append(first, null);
    const batch = rows(1000, 10, 200, (first[9] as StoredEvent).hash);
    const original = batch[500] as StoredEvent;
    batch[500] = { ...original, id: "ev-3" }; // already recorded
    const e = await store
      .append(batch, { seq: 9, hash: (first[9] as StoredEvent).hash })
      .catch((x: unknown) => x);
    expect(isDaichoError(e, "DUPLICATE_EVENT")).toBe(true);
    expect(await store.head()).toEqual({ seq: 9, hash: (first[9] as StoredEvent).hash });
    expect(await eventCount("copy-dup")).toBe(10);
    expect(await subjectRowCount("copy-dup")).toBe(
      first.reduce((n, r) => n + r.subjects.length, 0),
    );
    // The pool is still healthy and the same batch, fixed, goes in whole.
    batch[500] = original;
    await store.append(batch, { seq: 9, hash: (first[9] as StoredEvent).hash });
    expect(await eventCount("copy-dup")).toBe(1010);
  });

  it("stores nothing of a batch whose last row is refused (NUL byte in a subject)", async () => {
    const store = await freshStore("copy-nul");
    const batch = rows(300);
    // PostgreSQL text cannot hold NUL: the COPY fails on the batch's very last row.
    batch[299] = { ...(batch[299] as StoredEvent), subjects: ["ok", "bad\u0000"] };
    const e = await store.append(batch, null).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(await store.head()).toBeNull();
    expect(await eventCount("copy-nul")).toBe(0);
    expect(await subjectRowCount("copy-nul")).toBe(0);
  });

  it("stores nothing when the second COPY (the subject index) fails after the events went in", async () => {
    const store = await freshStore("copy-subjects");
    const batch = rows(300);
    // A subject listed twice: the event row is fine, its second index row breaks the key.
    batch[150] = { ...(batch[150] as StoredEvent), subjects: ["twice", "twice"] };
    const e = await store.append(batch, null).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(await store.head()).toBeNull();
    expect(await eventCount("copy-subjects")).toBe(0);
    expect(await subjectRowCount("copy-subjects")).toBe(0);
  });

  it("refuses a stale expected head, and of two racing batches on one head exactly one lands", async () => {
    const store = await freshStore("copy-race");
    const a = rows(500);
    const b = rows(500).map((r) => ({ ...r, id: `b-${r.seq}`, hash: `b${r.hash.slice(1)}` }));
    // Re-link b on its own hashes.
    for (let i = 1; i < b.length; i++)
      b[i] = { ...(b[i] as StoredEvent), prevHash: (b[i - 1] as StoredEvent).hash };
    const viaFunction = db.store("copy-race", { copyThreshold: 10_000 }); // the other path
    const results = await Promise.allSettled([store.append(a, null), viaFunction.append(b, null)]);
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter((r) => r.status === "rejected");
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isDaichoError((lost[0] as PromiseRejectedResult).reason, "CONCURRENCY_CONFLICT")).toBe(
      true,
    );
    const head = await store.head();
    const winner = results[0]?.status === "fulfilled" ? a : b;
    expect(head).toEqual({ seq: 499, hash: (winner[499] as StoredEvent).hash });
    expect(await eventCount("copy-race")).toBe(500);
    const stale = await store
      .append(rows(100, 4), { seq: 3, hash: (winner[3] as StoredEvent).hash })
      .catch((x: unknown) => x);
    expect(isDaichoError(stale, "CONCURRENCY_CONFLICT")).toBe(true);
    expect(await eventCount("copy-race")).toBe(500);
  });

  it("stores nothing when its connection is killed in the middle of the COPY", async () => {
    const store = await freshStore("copy-killed");
    const batch = rows(20_000, 0, 3000);
    const pending = store.append(batch, null).catch((x: unknown) => x);
    const pid = await copyBackend(cluster.url);
    const killed = await db.pool.query("SELECT pg_terminate_backend($1) AS ok", [pid]);
    expect(killed.rows[0].ok).toBe(true);
    const e = await pending;
    expect(isDaichoError(e, "STORE_UNAVAILABLE")).toBe(true);
    expect(await store.head()).toBeNull();
    expect(await eventCount("copy-killed")).toBe(0);
    expect(await subjectRowCount("copy-killed")).toBe(0);
    // The pool dropped the dead connection: the next batch goes in whole.
    await store.append(rows(200), null);
    expect(await eventCount("copy-killed")).toBe(200);
  });

  it("stores nothing when the server is killed (immediate stop) in the middle of the COPY", async () => {
    const store = await freshStore("copy-crash");
    const before = rows(100);
    await store.append(before, null);
    const batch = rows(20_000, 100, 3000, (before[99] as StoredEvent).hash);
    const pending = store
      .append(batch, { seq: 99, hash: (before[99] as StoredEvent).hash })
      .catch((x: unknown) => x);
    await copyBackend(cluster.url);
    cluster.stop("immediate");
    const e = await pending;
    cluster.start();
    expect(isDaichoError(e, "STORE_UNAVAILABLE")).toBe(true);
    // The pool reconnects by itself; the crash recovery kept the head and only the head's rows.
    let head = await store.head().catch(() => undefined);
    for (let i = 0; head === undefined && i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100));
      head = await store.head().catch(() => undefined);
    }
    expect(head).toEqual({ seq: 99, hash: (before[99] as StoredEvent).hash });
    expect(await eventCount("copy-crash")).toBe(100);
  });
});
