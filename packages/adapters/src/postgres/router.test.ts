import { isDaichoError, openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "./harness/index";
import {
  moveTenant,
  openPostgres,
  openTenantRouter,
  type PostgresDatabase,
  TenantDirectory,
  type TenantRouter,
} from "./index";

// Three real PostgreSQL clusters: the directory lives on the first, tenants on all three.
const NAMES = ["pg-a", "pg-b", "pg-c"] as const;
let clusters: PgCluster[] = [];
let dbs: Record<string, PostgresDatabase> = {};
let directoryPool: pg.Pool;
let directory: TenantDirectory;
let router: TenantRouter;

beforeAll(async () => {
  clusters = await Promise.all(NAMES.map(() => startPgCluster({ privateCluster: true })));
  dbs = Object.fromEntries(
    await Promise.all(
      NAMES.map(async (name, i) => [
        name,
        await openPostgres({ connectionString: (clusters[i] as PgCluster).url, migrate: true }),
      ]),
    ),
  );
  directoryPool = new pg.Pool({ connectionString: (clusters[0] as PgCluster).url, max: 4 });
  directory = new TenantDirectory(directoryPool);
  await directory.migrate();
  for (const name of NAMES)
    await directory.registerServer(name, (dbs[name] as PostgresDatabase).pool);
  router = await openTenantRouter({ directory, servers: dbs });
}, 120_000);

afterAll(async () => {
  await directoryPool?.end();
  for (const db of Object.values(dbs)) await db.close();
  for (const c of clusters) c.destroy();
});

/** On which servers `tenant` has a ledger row, and whether it is fenced there. */
async function copies(tenant: string): Promise<Record<string, "live" | "fenced">> {
  const out: Record<string, "live" | "fenced"> = {};
  for (const name of NAMES) {
    const r = await (dbs[name] as PostgresDatabase).pool.query(
      "SELECT fenced_at FROM daicho.ledgers WHERE tenant = $1",
      [tenant],
    );
    if (r.rows[0] !== undefined) out[name] = r.rows[0].fenced_at === null ? "live" : "fenced";
  }
  return out;
}

describe("tenant directory and router over three PostgreSQL servers", () => {
  it("routes each tenant to the one server the directory names, spreading new tenants", async () => {
    const tenants = Array.from({ length: 6 }, (_, i) => `route-${i}`);
    for (const t of tenants) {
      await router.place(t);
      const ledger = await openLedger({ store: router.store(t), ledgerId: `${t}.example/l` });
      await ledger.appendBatch([sampleInput(1), sampleInput(2)]);
    }
    const load = await directory.load();
    expect([...load.values()].every((n) => n >= 2)).toBe(true);
    for (const t of tenants) {
      const p = await router.locate(t);
      expect(await copies(t)).toEqual({ [p?.server as string]: "live" });
    }
  });

  it("refuses an unplaced tenant (NOT_FOUND) and creates no chain anywhere", async () => {
    const e = await openLedger({
      store: router.store("never-placed"),
      ledgerId: "x.example/l",
    }).catch((x: unknown) => x);
    expect(isDaichoError(e, "NOT_FOUND")).toBe(true);
    expect(await copies("never-placed")).toEqual({});
  });

  it("refuses a configuration whose server URLs are swapped", async () => {
    const swapped = { "pg-a": dbs["pg-b"], "pg-b": dbs["pg-a"] } as Record<
      string,
      PostgresDatabase
    >;
    const e = await openTenantRouter({ directory, servers: swapped }).catch((x: unknown) => x);
    expect(isDaichoError(e, "LEDGER_MISMATCH")).toBe(true);
    const unknown = await openTenantRouter({
      directory,
      servers: { "pg-z": dbs["pg-a"] as PostgresDatabase },
    }).catch((x: unknown) => x);
    expect(isDaichoError(unknown, "NOT_FOUND")).toBe(true);
  });

  it("moves a tenant with a verified backup and restore: same head there, old copy fenced", async () => {
    await router.place("mover", "pg-a");
    const ledger = await openLedger({ store: router.store("mover"), ledgerId: "mover.example/l" });
    await ledger.appendBatch(Array.from({ length: 300 }, (_, i) => sampleInput(i)));
    const keys = (dbs["pg-a"] as PostgresDatabase).keyStore("mover");
    await keys.initKekCheck({ kekId: "kek-1", check: new Uint8Array(16).fill(7) });
    const record = (subject: string, keyId: string) => ({
      keyId,
      subject,
      kekId: "kek-1",
      wrapped: new Uint8Array(40).fill(keyId.length),
      createdAt: "2026-12-02T00:00:00.000Z",
    });
    await keys.putIfAbsent(record("subject-kept", "k1"));
    await keys.putIfAbsent(record("subject-erased", "k2"));
    await keys.destroy("subject-erased", "2026-12-02T00:00:01.000Z");
    const head = await ledger.head();
    const moved = await moveTenant(router, "mover", "pg-b");
    expect(moved).toMatchObject({ from: "pg-a", to: "pg-b", head, events: 300, keys: 3 });
    // The keys moved with it: the kept key, the tombstone, the KEK check.
    const movedKeys = (dbs["pg-b"] as PostgresDatabase).keyStore("mover");
    expect(await movedKeys.forSubject("subject-kept")).toEqual([record("subject-kept", "k1")]);
    expect(await movedKeys.forSubject("subject-erased")).toMatchObject({ keyIds: ["k2"] });
    expect((await movedKeys.kekCheck())?.kekId).toBe("kek-1");
    // The old copy's keys are fenced too: erasing there (which would not reach the moved copy) is refused.
    const lateErase = await keys
      .destroy("subject-kept", "2026-12-02T00:00:02.000Z")
      .catch((x: unknown) => x);
    expect(isDaichoError(lateErase, "STORE_UNAVAILABLE")).toBe(true);
    expect(await router.locate("mover")).toMatchObject({ server: "pg-b", state: "active" });
    expect(await copies("mover")).toEqual({ "pg-a": "fenced", "pg-b": "live" });
    const there = await openLedger({ store: (dbs["pg-b"] as PostgresDatabase).store("mover") });
    expect(await there.verify()).toMatchObject({ ok: true, count: 300 });
    expect(await there.head()).toEqual(head);
    // The retired copy refuses writes, by the function path and by COPY alike.
    const old = await openLedger({ store: (dbs["pg-a"] as PostgresDatabase).store("mover") });
    const refused = await old.append(sampleInput(999)).catch((x: unknown) => x);
    expect(isDaichoError(refused, "STORE_UNAVAILABLE")).toBe(true);
    const bulk = await old
      .appendBatch(Array.from({ length: 300 }, (_, i) => sampleInput(1000 + i)))
      .catch((x: unknown) => x);
    expect(isDaichoError(bulk, "STORE_UNAVAILABLE")).toBe(true);
    // The ledger opened before the move keeps working: its next append lands on pg-b.
    await ledger.append(sampleInput(301));
    expect(await there.store.head()).toMatchObject({ seq: 300 });
    expect(await (dbs["pg-a"] as PostgresDatabase).store("mover").head()).toEqual(head);
  });

  it("loses and forks no write that races a move: every acknowledged event is on the target once", async () => {
    await router.place("racer", "pg-b");
    const ledger = await openLedger({ store: router.store("racer"), ledgerId: "racer.example/l" });
    await ledger.appendBatch(Array.from({ length: 200 }, (_, i) => sampleInput(i)));
    const acknowledged: string[] = [];
    let refused = 0;
    let stop = false;
    const writers = Array.from({ length: 8 }, async (_, w) => {
      for (let i = 0; !stop; i++) {
        const input = { ...sampleInput(10_000 + w * 10_000 + i), id: `racer-${w}-${i}` };
        try {
          await ledger.append(input);
          acknowledged.push(input.id);
        } catch (e) {
          if (!isDaichoError(e, "STORE_UNAVAILABLE") && !isDaichoError(e, "CONCURRENCY_CONFLICT"))
            throw e;
          refused++;
          await new Promise((r) => setTimeout(r, 5));
        }
      }
    });
    await new Promise((r) => setTimeout(r, 300));
    const moved = await moveTenant(router, "racer", "pg-c");
    await new Promise((r) => setTimeout(r, 300));
    stop = true;
    await Promise.all(writers);
    expect(acknowledged.length).toBeGreaterThan(0);
    const there = await openLedger({ store: (dbs["pg-c"] as PostgresDatabase).store("racer") });
    const report = await there.verify();
    expect(report.ok).toBe(true);
    const ids = new Set<string>();
    for await (const e of there.store.read()) ids.add(e.id);
    for (const id of acknowledged) expect(ids.has(id), id).toBe(true);
    expect(report.count).toBe(200 + acknowledged.length);
    // The source holds exactly the prefix up to the fenced head, which the target continues.
    const oldHead = await (dbs["pg-b"] as PostgresDatabase).store("racer").head();
    expect(oldHead).toEqual(moved.head);
    const atFence = await there.store.get(moved.head?.seq ?? -1);
    expect(atFence?.hash).toBe(moved.head?.hash);
    expect(await copies("racer")).toEqual({ "pg-b": "fenced", "pg-c": "live" });
    console.log(`race: ${acknowledged.length} acknowledged, ${refused} refused during the move`);
  });

  it("leaves the tenant writable on its source when the move fails, with no copy on the target", async () => {
    await router.place("stays", "pg-a");
    const ledger = await openLedger({ store: router.store("stays"), ledgerId: "stays.example/l" });
    await ledger.appendBatch(Array.from({ length: 20 }, (_, i) => sampleInput(i)));
    // A squatter already holds the name on the target: the verified restore refuses.
    const squatter = await openLedger({
      store: (dbs["pg-c"] as PostgresDatabase).store("stays"),
      ledgerId: "squatter.example/l",
    });
    await squatter.append(sampleInput(0));
    const e = await moveTenant(router, "stays", "pg-c").catch((x: unknown) => x);
    expect(e).toBeInstanceOf(Error);
    expect(await router.locate("stays")).toMatchObject({ server: "pg-a", state: "active" });
    expect((await copies("stays"))["pg-a"]).toBe("live");
    expect(await squatter.verify()).toMatchObject({ ok: true, count: 1 });
    await ledger.append(sampleInput(21));
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 21 });
  });

  it("refuses a second move while one is under way", async () => {
    await router.place("busy", "pg-a");
    const p = await directory.beginMove("busy", "pg-b");
    const e = await moveTenant(router, "busy", "pg-c").catch((x: unknown) => x);
    expect(isDaichoError(e, "CONCURRENCY_CONFLICT")).toBe(true);
    await directory.abortMove("busy", p.epoch);
    const stale = await directory.abortMove("busy", p.epoch).catch((x: unknown) => x);
    expect(isDaichoError(stale, "CONCURRENCY_CONFLICT")).toBe(true);
  });
});
