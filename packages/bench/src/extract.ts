import { type EventInput, memoryStore, openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import { exportExtract, verifyExtract } from "@daicho/core/extract";
import {
  mapKey,
  memoryMapStore,
  planMapExtension,
  SubjectDeltas,
  SubjectMap,
} from "@daicho/core/map";
import { catchUp, memoryTreeStore } from "@daicho/core/merkle";
import { accessInput } from "@daicho/core/testing";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";

/** Events in the extract ledger (BENCH_EXTRACT_EVENTS; default 200,000 on a 2-core machine). */
const EVENTS = Number(process.env.BENCH_EXTRACT_EVENTS ?? 200_000);
const SUBJECTS = Math.max(1, Math.round(EVENTS / 10));
const HEAVY = 1_000;
const ORIGIN = "bench.daicho.example/extract";
const log = ed25519Signer(ORIGIN, new Uint8Array(32).fill(3));
const policy = { keys: [log.verifier] };
const hash = (i: number) => i.toString(16).padStart(64, "0");

const heapMiB = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage().heapUsed / 2 ** 20;
};

/** Event n: every (EVENTS / HEAVY)-th is about "heavy", the rest about one of SUBJECTS. */
function input(n: number): EventInput {
  const every = Math.floor(EVENTS / HEAVY);
  if (n % every === 0) return accessInput(n, "heavy");
  return accessInput(n, `s-${(n * 7919) % SUBJECTS}`);
}

/** The map alone: building 10^6 subjects in memory, and extending a stored 10^5-subject map. */
async function mapCosts(report: Report): Promise<void> {
  const before = heapMiB();
  const big = new SubjectMap();
  const build = await timeMs(() => {
    for (let i = 0; i < 1_000_000; i++)
      big.set(mapKey(`subject-${i}`), { count: 1, lastSeq: i, lastHash: hash(i) });
    big.root();
  });
  report.add({
    name: "build map of 10^6 subjects in memory (and hash it)",
    value: build,
    unit: "ms",
  });
  report.add({ name: "heap for the map of 10^6 subjects", value: heapMiB() - before, unit: "MiB" });
  const store = memoryMapStore();
  const base = new SubjectMap();
  for (let i = 0; i < 100_000; i++)
    base.set(mapKey(`subject-${i}`), { count: 10, lastSeq: i, lastHash: hash(i) });
  const root = base.root();
  await store.putVersion(1_000_000, base.changes());
  for (const touched of [100, 1_000, 10_000]) {
    const deltas = new SubjectDeltas();
    for (let j = 0; j < touched; j++)
      deltas.add([{ id: `subject-${(j * 7919) % 100_000}` }], 1_000_000 + j, hash(j));
    const ms = await timeMs(() =>
      planMapExtension(store, { version: 1_000_000, root }, deltas.bySubject),
    );
    report.add({
      name: `extend a stored 10^5-subject map by ${touched} touched subjects (reads, hashes, records)`,
      value: ms,
      unit: "ms",
    });
  }
}

/** A real ledger: append rate, checkpoint emission, extract generation and verification. */
async function ledgerCosts(report: Report): Promise<void> {
  const ledger = await openLedger({ store: memoryStore(), ledgerId: ORIGIN });
  const batch = 1_000;
  const append = await timeMs(async () => {
    for (let from = 0; from < EVENTS; from += batch)
      await ledger.appendBatch(
        Array.from({ length: Math.min(batch, EVENTS - from) }, (_, i) => input(from + i)),
      );
  });
  report.add({
    name: `append ${EVENTS} events (batches of ${batch}; no map work on this path)`,
    value: (EVENTS / append) * 1000,
    unit: "events/s",
  });
  const tree = await catchUp(memoryTreeStore(), ledger.store);
  const map = memoryMapStore();
  const first = await timeMs(() => emitCheckpoint(tree, log, ORIGIN, { map }));
  report.add({
    name: `first checkpoint (map rebuilt from all ${EVENTS} events, ${SUBJECTS + 1} subjects)`,
    value: first,
    unit: "ms",
  });
  const more = Array.from({ length: 1_000 }, (_, i) => input(EVENTS + i + 1));
  await ledger.appendBatch(more);
  await tree.catchUp();
  const next = await timeMs(() => emitCheckpoint(tree, log, ORIGIN, { map }));
  report.add({
    name: "next checkpoint after 1,000 more events (map extended)",
    value: next,
    unit: "ms",
  });
  const heapBefore = heapMiB();
  let text = "";
  const gen = await timeMs(async () => {
    text = JSON.stringify(await exportExtract(tree, ORIGIN, { subjects: ["heavy"], policy, map }));
  });
  report.add({
    name: `extract for a ${HEAVY}-event subject in ${EVENTS + 1000} events (built and self-verified)`,
    value: gen,
    unit: "ms",
  });
  report.add({ name: "its size", value: text.length / 1024, unit: "KiB" });
  let ok = false;
  const ver = await timeMs(() => {
    ok = verifyExtract(text, { policy })._tag === "Right";
  });
  report.add({ name: "verifyExtract of it", value: ver, unit: "ms", note: ok ? "ok" : "FAILED" });
  report.add({ name: "heap during verify (delta)", value: heapMiB() - heapBefore, unit: "MiB" });
  const none = JSON.stringify(
    await exportExtract(tree, ORIGIN, { subjects: ["never-seen"], policy, map }),
  );
  const x = JSON.parse(none) as { subjects: { mapProof: string[] }[] };
  report.add({
    name: "non-membership proof (map siblings)",
    value: x.subjects[0]?.mapProof.length ?? 0,
    unit: "hashes",
    note: `${none.length} bytes for the whole extract file`,
  });
}

export const extractSection: Section = {
  name: "extract",
  async run() {
    const report = new Report("Subject map and verifiable extracts");
    // BENCH_EXTRACT_SKIP_MAP=1 skips the map-only part (minutes on a loaded 2-core machine).
    if (process.env.BENCH_EXTRACT_SKIP_MAP !== "1") await mapCosts(report);
    await ledgerCosts(report);
    return report;
  },
};
