import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { sampleInputs } from "@daicho/core/testing";
import { Report } from "./report";
import type { Section } from "./sections";

const EVENTS = 50_000;
const ROUNDS = 3;

/** Wall and process CPU time (all threads) of one async run, in ms. */
async function timed(f: () => Promise<unknown>): Promise<{ wall: number; cpu: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await f();
  const d = process.cpuUsage(cpu0);
  return { wall: Number(process.hrtime.bigint() - t0) / 1e6, cpu: (d.user + d.system) / 1000 };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/**
 * Issue 16 item 4: `verify` (every check: hashes, links, columns, head, both indexes) with
 * 1, 2 and 4 worker threads, beside reading the same rows and SHA-256 over each body.
 * The runs are interleaved round by round; wall time is what parallelism buys, process
 * CPU time (all threads) what it costs.
 */
export const verifySection: Section = {
  name: "verify",
  async run() {
    const report = new Report("verify");
    const dir = mkdtempSync(join(tmpdir(), "daicho-bench-verify-"));
    try {
      const path = join(dir, "ledger.db");
      const writer = await openLedger({
        store: sqliteStore(path, { synchronous: "normal" }),
        ledgerId: "bench.example/verify",
      });
      for (let i = 0; i < EVENTS; i += 1000) await writer.appendBatch(sampleInputs(1000, i));
      await writer.close();
      const ledger = await openLedger({ store: sqliteStore(path, { readonly: true }) });
      const runs: [string, () => Promise<unknown>][] = [
        [
          "read + SHA-256 of the same rows (baseline)",
          async () => {
            for await (const e of ledger.store.read())
              createHash("sha256").update(e.body, "utf8").digest();
          },
        ],
        ...[1, 2, 4].map(
          (w) =>
            [
              `daicho verify, ${w} worker${w === 1 ? " (this thread)" : "s"}`,
              async () => {
                const r = await ledger.verify(w === 1 ? {} : { workers: w });
                if (!r.ok || r.count !== EVENTS)
                  throw new Error("the benchmarked ledger did not verify");
              },
            ] as [string, () => Promise<unknown>],
        ),
      ];
      const wall = runs.map(() => [] as number[]);
      const cpu = runs.map(() => [] as number[]);
      for (let r = 0; r < ROUNDS; r++) {
        const order = r % 2 === 0 ? runs.map((_, i) => i) : runs.map((_, i) => runs.length - 1 - i);
        for (const i of order) {
          const t = await timed((runs[i] as [string, () => Promise<unknown>])[1]);
          (wall[i] as number[]).push(t.wall);
          (cpu[i] as number[]).push(t.cpu);
        }
      }
      const base = runs[0]?.[0] as string;
      runs.forEach(([name], i) => {
        report.add({
          name,
          value: (EVENTS / median(wall[i] as number[])) * 1000,
          unit: "events/s wall",
          ...(i === 0 ? {} : { vs: base }),
          note: `process CPU ${((median(cpu[i] as number[]) / EVENTS) * 1000).toFixed(1)} µs/event; ${EVENTS} events, medians of ${ROUNDS} interleaved rounds`,
        });
      });
      await ledger.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};
