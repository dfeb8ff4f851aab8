import { existsSync } from "node:fs";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { ed25519Signer, mapCheck, treeCheck } from "@daicho/core/checkpoint";
import { Report } from "./report";
import type { Section } from "./sections";

/**
 * Memory of a full `verify` (issue 13 "flat during verify"): on a SQLite ledger built by
 * the `extract-scale` section (BENCH_EXTRACT_SCALE_DB kept it; one subject per 10 events,
 * one checkpoint with the subject map), run the checks `daicho verify` runs, in
 * `BENCH_VERIFY_MEMORY_CHECKS` (`chain`: chain, links, columns, indexes; `tree`: + Merkle
 * tree and checkpoints; `all`: + subject map and map store; default `all`), and report the
 * CPU time per event, the process's peak RSS and the largest heapUsed seen (sampled every
 * 10,000 events). One measurement per process (peak RSS cannot be reset): run it several
 * times, alternating builds, and take medians. BENCH_VERIFY_MEMORY_DB: the ledger file;
 * BENCH_VERIFY_MEMORY_GC=1: collect garbage before each sample, so heapUsed is what is live.
 */
export const verifyMemorySection: Section = {
  name: "verify-memory",
  async run() {
    const report = new Report("verify memory");
    const path = process.env.BENCH_VERIFY_MEMORY_DB;
    if (path === undefined || !existsSync(path))
      throw new Error("set BENCH_VERIFY_MEMORY_DB to a ledger built by the extract-scale section");
    const checks = process.env.BENCH_VERIFY_MEMORY_CHECKS ?? "all";
    const origin = "bench.daicho.example/extract-scale";
    const log = ed25519Signer(origin, new Uint8Array(32).fill(3));
    const ledger = await openLedger({ store: sqliteStore(path), ledgerId: origin });
    const trees = sqliteTreeStore(path);
    (globalThis as { gc?: () => void }).gc?.();
    const rss0 = process.memoryUsage().rss;
    let heapPeak = 0;
    const live = process.env.BENCH_VERIFY_MEMORY_GC === "1";
    const sample = () => {
      if (live) (globalThis as { gc?: () => void }).gc?.();
      heapPeak = Math.max(heapPeak, process.memoryUsage().heapUsed);
    };
    const cpu0 = process.cpuUsage();
    const t0 = process.hrtime.bigint();
    const also =
      checks === "chain"
        ? []
        : [
            await treeCheck(trees, { origin, policy: { keys: [log.verifier] } }),
            ...(checks === "all" ? [await mapCheck(trees)] : []),
          ];
    const r = await ledger.verify({ also, onProgress: sample, progressEvery: 10_000 });
    sample();
    const wall = Number(process.hrtime.bigint() - t0) / 1e6;
    const d = process.cpuUsage(cpu0);
    if (!r.ok) throw new Error(`verify failed: ${JSON.stringify(r.failure)}`);
    const cpu = (d.user + d.system) / 1000;
    report.add({
      name: `verify (${checks}) of ${r.count} events: CPU per event`,
      value: (cpu * 1000) / r.count,
      unit: "µs",
      note: `wall ${(wall / 1000).toFixed(1)} s, CPU ${(cpu / 1000).toFixed(1)} s; ${(r.checked ?? []).join(", ")}`,
    });
    report.add({
      name: `verify (${checks}) of ${r.count} events: peak RSS`,
      value: process.resourceUsage().maxRSS / 1024,
      unit: "MiB",
      note: `RSS before ${(rss0 / 2 ** 20).toFixed(0)} MiB; largest heapUsed${live ? " (live)" : ""} ${(heapPeak / 2 ** 20).toFixed(0)} MiB`,
    });
    await trees.close();
    await ledger.close();
    return report;
  },
};
