import { describe, expect, it } from "vitest";
import { auditStore, reliabilityTargets, spawnWriter } from "./reliability";

// Several OS processes append to one ledger at once (single events grouped by each
// process's ledger, and batches); afterwards the chain verifies and every acknowledged
// event is present exactly once.
const PROCESSES = 4;
const LEDGER = "multi.example/ledger";

const targets = reliabilityTargets("multi", "multi.db");

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
