/**
 * The tenant fence (migrations 7 and 8) covers every write to a moved tenant's old copy:
 * a second process that still holds the copy's tree store tries to grow the tree, store
 * or overwrite a checkpoint and write a subject-map version, and each is refused with
 * DA006 mapped to a retryable STORE_UNAVAILABLE (`details.fenced`), changing nothing.
 * The fence is set with the very statement `moveTenant` uses (tenant-move.ts).
 */
import { openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { openPostgres, type PostgresDatabase } from "../src/postgres/index";
import { spawnLineChild } from "./child";

/** Fences set and lifted while the writers run (each round: writes, fence, refusals, unfence). */
const ROUNDS = 4;

let cluster: PgCluster;
let db: PostgresDatabase;

beforeAll(async () => {
  cluster = await startPgCluster();
  db = await openPostgres({ connectionString: cluster.url, migrate: true });
}, 120_000);

afterAll(async () => {
  await db?.close();
  cluster?.destroy();
});

/** Set or lift the fence exactly as moveTenant does. */
async function fence(tenant: string, on: boolean): Promise<void> {
  const r = await db.pool.query("UPDATE daicho.ledgers SET fenced_at = $2 WHERE tenant = $1", [
    tenant,
    on ? new Date().toISOString() : null,
  ]);
  expect(r.rowCount).toBe(1);
}

/** Every tree, checkpoint and map row of the tenant, as one comparable value. */
async function derived(tenant: string): Promise<Record<string, unknown>> {
  const q = async (sql: string) =>
    (
      await db.pool.query(
        `${sql.replace(/\{k\}/g, "(SELECT ledger_key FROM daicho.ledgers WHERE tenant = $1)")}`,
        [tenant],
      )
    ).rows;
  return {
    size: await q("SELECT size FROM daicho.tree_state WHERE ledger_key = {k}"),
    nodes: await q(
      "SELECT count(*) AS n, md5(string_agg(ord || ':' || encode(hash, 'hex'), ',' ORDER BY ord)) AS digest FROM daicho.tree_nodes WHERE ledger_key = {k}",
    ),
    checkpoints: await q(
      "SELECT size, md5(note) AS note, created_at FROM daicho.checkpoints WHERE ledger_key = {k} ORDER BY size",
    ),
    map: await q(
      "SELECT (SELECT array_agg(version ORDER BY version) FROM daicho.map_versions WHERE ledger_key = {k}) AS versions, (SELECT md5(string_agg(encode(path, 'hex') || ':' || version || ':' || encode(record, 'hex'), ',' ORDER BY path, version)) FROM daicho.map_records WHERE ledger_key = {k}) AS records",
    ),
  };
}

/** A tenant with events past its tree, a signed checkpoint and a map version. */
async function tenantWithTree(tenant: string): Promise<void> {
  const ledger = await openLedger({ store: db.store(tenant), ledgerId: `${tenant}.example/l` });
  await ledger.appendBatch(Array.from({ length: 20 }, (_, i) => sampleInput(i, `c-${i % 5}`)));
  const tree = await catchUp(db.treeStore(tenant), ledger.store);
  const signer = ed25519Signer(`${tenant}.example/l`, new Uint8Array(32).fill(3));
  await emitCheckpoint(tree, signer, `${tenant}.example/l`, { map: tree.store.map });
  await tree.store.close();
  await ledger.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(20 + i)));
}

describe("the tenant fence on tree, checkpoint and map writes (PostgreSQL, two processes)", () => {
  it("refuses each write on the fenced copy from another process with the typed error, and changes nothing", async () => {
    await tenantWithTree("fenced");
    await fence("fenced", true);
    const before = await derived("fenced");
    expect(before.size).toEqual([{ size: "20" }]);
    expect((before.checkpoints as unknown[]).length).toBe(1);
    const worker = spawnLineChild("fenced-writer-worker.ts", {
      url: cluster.url,
      tenant: "fenced",
      mode: "once",
    });
    const result = JSON.parse((await worker.next("result ", 60_000)).slice("result ".length));
    const refused = "STORE_UNAVAILABLE retryable fenced";
    expect(result).toEqual({
      tree: refused,
      checkpoint: refused,
      checkpointOverwrite: refused,
      map: refused,
    });
    expect((await worker.exited).code).toBe(0);
    expect(await derived("fenced")).toEqual(before);
    // The same writes succeed once the fence is lifted (a failed move): the refusal was the fence.
    await fence("fenced", false);
    const again = spawnLineChild("fenced-writer-worker.ts", {
      url: cluster.url,
      tenant: "fenced",
      mode: "once",
    });
    expect(JSON.parse((await again.next("result ", 60_000)).slice("result ".length))).toEqual({
      tree: "ok",
      checkpoint: "ok",
      checkpointOverwrite: "ok",
      map: "ok",
    });
    expect((await again.exited).code).toBe(0);
    expect(await derived("fenced")).not.toEqual(before);
  });

  it("lets no tree, checkpoint or map write racing the fence land after it commits, and loses none acknowledged", async () => {
    await tenantWithTree("racing");
    const worker = spawnLineChild("fenced-writer-worker.ts", {
      url: cluster.url,
      tenant: "racing",
      mode: "race",
    });
    const lines: string[] = [];
    let partial = "";
    worker.child.stdout?.on("data", (chunk: string) => {
      const parts = (partial + chunk).split("\n");
      partial = parts.pop() ?? "";
      lines.push(...parts);
    });
    const acked = (kind: string) =>
      lines.filter((l) => l.startsWith(`ack ${kind} `)).map((l) => Number(l.split(" ")[2]));
    const waitFor = async (ok: () => boolean) => {
      for (let i = 0; !ok(); i++) {
        if (i > 4000) throw new Error(`worker stalled: ${lines.slice(-5).join(" | ")}`);
        await new Promise((r) => setTimeout(r, 5));
      }
    };
    for (let round = 0; round < ROUNDS; round++) {
      const seen = lines.length;
      // Writers busy on every kind, then fence in the middle of their writes.
      await waitFor(() =>
        ["tree", "checkpoint", "map"].every((k) =>
          lines.slice(seen).some((l) => l.startsWith(`ack ${k} `)),
        ),
      );
      await fence("racing", true);
      const atFence = await derived("racing");
      await waitFor(() =>
        ["tree", "checkpoint", "map"].every((k) =>
          lines.slice(seen).some((l) => l.startsWith(`refused ${k} `)),
        ),
      );
      await new Promise((r) => setTimeout(r, 20));
      expect(await derived("racing"), `round ${round}`).toEqual(atFence);
      for (const l of lines.filter((x) => x.startsWith("refused ")))
        expect(l).toMatch(/STORE_UNAVAILABLE retryable fenced$/);
      await fence("racing", false);
    }
    worker.child.kill("SIGTERM");
    await worker.exited;
    // Every acknowledged write is there. The tree may be one write further: a write the
    // server committed just as SIGTERM killed the worker, before it printed its ack.
    const final = await derived("racing");
    expect(Number((final.size as { size: string }[])[0]?.size)).toBeGreaterThanOrEqual(
      Math.max(...acked("tree")) + 1,
    );
    const sizes = (final.checkpoints as { size: string }[]).map((c) => Number(c.size));
    for (const n of acked("checkpoint")) expect(sizes).toContain(n + 1);
    const versions = ((final.map as { versions: string[] }[])[0]?.versions ?? []).map(Number);
    for (const v of acked("map")) expect(versions).toContain(v);
    console.log(
      `fence race: ${acked("tree").length} tree, ${acked("checkpoint").length} checkpoint, ${acked("map").length} map writes acknowledged over ${ROUNDS} fences`,
    );
  }, 120_000);
});
