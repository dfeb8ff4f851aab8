import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Store } from "@daicho/core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { postgresStore } from "../src/postgres/index";
import { sqliteStore } from "../src/sqlite/index";
import { auditStore, spawnWriter } from "./reliability";

// Several OS processes append to one ledger at once (single events grouped by each
// process's ledger, and batches); afterwards the chain verifies and every acknowledged
// event is present exactly once.
let cluster: PgCluster;
let dir: string;
beforeAll(async () => {
  cluster = await startPgCluster();
  dir = mkdtempSync(join(tmpdir(), "daicho-multi-"));
});
afterAll(() => {
  cluster?.destroy();
  rmSync(dir, { recursive: true, force: true });
});

const PROCESSES = 4;
const LEDGER = "multi.example/ledger";

const targets: {
  name: string;
  kind: "sqlite" | "postgres";
  location: () => string;
  open: () => Store;
}[] = [
  {
    name: "SQLite",
    kind: "sqlite",
    location: () => join(dir, "multi.db"),
    open: () => sqliteStore(join(dir, "multi.db")),
  },
  {
    name: "PostgreSQL",
    kind: "postgres",
    location: () => cluster.url,
    open: () => postgresStore({ connectionString: cluster.url, tenant: "multi" }),
  },
];

describe.each(targets)("$name: several processes appending to one ledger", (target) => {
  it("keeps one chain with every acknowledged event exactly once", {
    timeout: 120_000,
  }, async () => {
    const writers = Array.from({ length: PROCESSES }, (_, p) =>
      spawnWriter({
        kind: target.kind,
        location: target.location(),
        tenant: "multi",
        ledgerId: LEDGER,
        prefix: `p${p}`,
        count: 300,
        concurrency: 8,
        batch: p % 2 === 0 ? 1 : 5,
      }),
    );
    const results = await Promise.all(writers.map((w) => w.exited));
    for (const r of results) expect(r, r.stderr).toMatchObject({ code: 0 });
    const acked = writers.flatMap((w) => [...w.acked]);
    expect(acked.length).toBe(PROCESSES * 300);
    const store = target.open();
    try {
      const audit = await auditStore(store, LEDGER, acked);
      expect(audit.report).toMatchObject({ ok: true, count: PROCESSES * 300 });
      expect(audit.missing).toEqual([]);
      expect(audit.duplicated).toEqual([]);
      expect(audit.total).toBe(PROCESSES * 300);
    } finally {
      await store.close();
    }
  });
});
