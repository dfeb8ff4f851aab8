/**
 * Child process of the sqlite bench: build a 1,000,000-event ledger at argv[2], then
 * verify it, sampling memory only during verification, and print the peak RSS / heap seen
 * up to 100k events and up to 1M as JSON. Flat memory means the two are about equal.
 */
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { sampleInputs } from "@daicho/core/testing";

const path = process.argv[2] as string;
const TOTAL = 1_000_000;

const buildStart = performance.now();
{
  const ledger = await openLedger({
    store: sqliteStore(path, { synchronous: "normal" }),
    ledgerId: "bench.example/million",
  });
  for (let i = 0; i < TOTAL; i += 1000) await ledger.appendBatch(sampleInputs(1000, i));
  await ledger.close();
}
const buildMs = performance.now() - buildStart;
(globalThis as { gc?: () => void }).gc?.();
await new Promise((r) => setTimeout(r, 200));

const ledger = await openLedger({ store: sqliteStore(path, { readonly: true }) });
const peak = { rss: 0, heap: 0 };
let at100k = { rss: 0, heap: 0 };
const sample = (checked: number) => {
  const m = process.memoryUsage();
  peak.rss = Math.max(peak.rss, m.rss);
  peak.heap = Math.max(peak.heap, m.heapUsed);
  if (checked === 100_000) at100k = { ...peak };
};
const verifyStart = performance.now();
const report = await ledger.verify({ onProgress: sample, progressEvery: 5000 });
const verifyMs = performance.now() - verifyStart;
if (!report.ok || report.count !== TOTAL)
  throw new Error(`verify failed: ${JSON.stringify(report)}`);
console.log(JSON.stringify({ built: TOTAL, buildMs, verifyMs, at100k, at1m: peak }));
