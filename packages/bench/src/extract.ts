import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { type EventInput, openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import { exportExtract, verifyExtract } from "@daicho/core/extract";
import {
  mapKey,
  memoryMapStore,
  planMapExtension,
  SubjectDeltas,
  SubjectMap,
} from "@daicho/core/map";
import { catchUp, type LedgerTree } from "@daicho/core/merkle";
import { accessInput } from "@daicho/core/testing";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";

/** Events in the extract ledger (BENCH_EXTRACT_EVENTS; default 100,000 on a 2-core machine). */
const EVENTS = Number(process.env.BENCH_EXTRACT_EVENTS ?? 100_000);
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

/**
 * Subjects in the in-memory map build (BENCH_EXTRACT_MAP_SUBJECTS; default 10^5 so the
 * section stays under 3 minutes here; the figure is 10^6, which took minutes on the
 * loaded 2-core VM because the map then needs about 1 GiB of heap).
 */
const MAP_SUBJECTS = Number(process.env.BENCH_EXTRACT_MAP_SUBJECTS ?? 100_000);

/** The map alone: building MAP_SUBJECTS subjects in memory, and extending a stored 10^5-subject map. */
async function mapCosts(report: Report): Promise<void> {
  const before = heapMiB();
  const big = new SubjectMap();
  const build = await measure(async () => {
    for (let i = 0; i < MAP_SUBJECTS; i++)
      big.set(mapKey(`subject-${i}`), { count: 1, lastSeq: i, lastHash: hash(i) });
    big.root();
  });
  report.add({
    name: `build map of ${MAP_SUBJECTS} subjects in memory (and hash it)`,
    value: build.wall,
    unit: "ms",
    note: `CPU ${build.cpu.toFixed(0)} ms`,
  });
  const heap = heapMiB() - before;
  report.add({
    name: `heap for the map of ${MAP_SUBJECTS} subjects`,
    value: heap,
    unit: "MiB",
    note: `${((heap * 2 ** 20) / MAP_SUBJECTS).toFixed(0)} bytes per subject`,
  });
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

/** CPU ms (user + system) and wall ms of one async run of `f`. */
async function measure(f: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu0 = process.cpuUsage();
  const wall = await timeMs(f);
  const d = process.cpuUsage(cpu0);
  return { cpu: (d.user + d.system) / 1000, wall };
}

/** Events between checkpoints while appending (BENCH_EXTRACT_CHECKPOINT_EVERY). */
const EVERY = Number(process.env.BENCH_EXTRACT_CHECKPOINT_EVERY ?? 10_000);

interface Durable {
  readonly ledger: Awaited<ReturnType<typeof openLedger>>;
  readonly tree: LedgerTree;
  close(): Promise<void>;
}

async function openDurable(path: string, ledgerId?: string): Promise<Durable> {
  const ledger = await openLedger({
    store: sqliteStore(path, { synchronous: "normal" }),
    ...(ledgerId === undefined ? {} : { ledgerId }),
  });
  const tree = await catchUp(sqliteTreeStore(path), ledger.store);
  return {
    ledger,
    tree,
    close: async () => {
      await tree.store.close();
      await ledger.close();
    },
  };
}

/**
 * A durable SQLite ledger, as a host runs one: the append rate with the subject map kept
 * (a checkpoint every EVERY events: tree, map extension, signature) against plain appends,
 * interleaved chunk by chunk in CPU time; checkpoint emission at EVENTS events (in the same
 * process, then as a new process's first checkpoint, then the old in-memory rebuild);
 * extract generation and verification for a 1,000-event subject; a non-membership proof.
 */
async function ledgerCosts(report: Report, dir: string): Promise<void> {
  const plain = await openDurable(join(dir, "plain.db"), ORIGIN);
  const treed = await openDurable(join(dir, "tree.db"), ORIGIN);
  let mapped = await openDurable(join(dir, "mapped.db"), ORIGIN);
  const batch = 1_000;
  const chunk = (l: Durable, from: number, to: number) => async () => {
    for (let at = from; at < to; at += batch)
      await l.ledger.appendBatch(
        Array.from({ length: Math.min(batch, to - at) }, (_, i) => input(at + i)),
      );
  };
  // Three arms over the same events: plain appends; appends with the tree caught up every
  // EVERY events; appends with a checkpoint (tree, map extension, signature) every EVERY.
  const cpu = [0, 0, 0];
  for (let from = 0, round = 0; from < EVENTS; from += EVERY, round++) {
    const to = Math.min(EVENTS, from + EVERY);
    const arms = [
      chunk(plain, from, to),
      async () => {
        await chunk(treed, from, to)();
        await treed.tree.catchUp();
      },
      async () => {
        await chunk(mapped, from, to)();
        await mapped.tree.catchUp();
        await emitCheckpoint(mapped.tree, log, ORIGIN);
      },
    ];
    // Rotate which goes first, so a slow spell of the machine hits each.
    for (let k = 0; k < 3; k++) {
      const a = (round + k) % 3;
      cpu[a] = (cpu[a] as number) + (await measure(arms[a] as () => Promise<void>)).cpu;
    }
  }
  const plainName = `append ${EVENTS} events, no tree, no checkpoints (SQLite, batches of ${batch}; CPU time)`;
  report.add({ name: plainName, value: (EVENTS / (cpu[0] as number)) * 1000, unit: "events/s" });
  report.add({
    name: `append ${EVENTS} events with the tree caught up every ${EVERY} (CPU time)`,
    value: (EVENTS / (cpu[1] as number)) * 1000,
    unit: "events/s",
    vs: plainName,
  });
  report.add({
    name: `append ${EVENTS} events with the map kept: a checkpoint every ${EVERY} (tree, map, signature; CPU time)`,
    value: (EVENTS / (cpu[2] as number)) * 1000,
    unit: "events/s",
    vs: plainName,
    note: `checkpoints cost ${(((cpu[2] as number) - (cpu[1] as number)) / Math.ceil(EVENTS / EVERY)).toFixed(0)} ms CPU each beyond the tree`,
  });
  await plain.close();
  await treed.close();

  const more = (from: number) =>
    mapped.ledger.appendBatch(Array.from({ length: 1_000 }, (_, i) => input(from + i)));
  await more(EVENTS);
  await mapped.tree.catchUp();
  const next = await measure(() => emitCheckpoint(mapped.tree, log, ORIGIN));
  report.add({
    name: `checkpoint at ${EVENTS + 1000} events, ${SUBJECTS + 1} subjects, 1,000 events since (same process)`,
    value: next.wall,
    unit: "ms",
    note: `CPU ${next.cpu.toFixed(1)} ms`,
  });
  await mapped.close();
  // A new process: fresh stores on the same file; nothing of the map is in memory.
  mapped = await openDurable(join(dir, "mapped.db"));
  await more(EVENTS + 1000);
  await mapped.tree.catchUp();
  const fresh = await measure(() => emitCheckpoint(mapped.tree, log, ORIGIN));
  report.add({
    name: `first checkpoint of a new process at ${EVENTS + 2000} events (durable map extended)`,
    value: fresh.wall,
    unit: "ms",
    note: `CPU ${fresh.cpu.toFixed(1)} ms`,
  });
  const tree = mapped.tree;
  const heapBefore = heapMiB();
  let text = "";
  const gen = await measure(async () => {
    text = JSON.stringify(await exportExtract(tree, ORIGIN, { subjects: ["heavy"], policy }));
  });
  report.add({
    name: `extract for a ${HEAVY}-event subject (subject index, stored tree and map; built and self-verified)`,
    value: gen.wall,
    unit: "ms",
    note: `CPU ${gen.cpu.toFixed(1)} ms`,
  });
  report.add({ name: "its size", value: text.length / 1024, unit: "KiB" });
  let ok = false;
  const ver = await measure(async () => {
    ok = verifyExtract(text, { policy })._tag === "Right";
  });
  report.add({
    name: "verifyExtract of it",
    value: ver.wall,
    unit: "ms",
    note: `${ok ? "ok" : "FAILED"}; CPU ${ver.cpu.toFixed(1)} ms`,
  });
  report.add({ name: "heap during verify (delta)", value: heapMiB() - heapBefore, unit: "MiB" });
  const none = JSON.stringify(
    await exportExtract(tree, ORIGIN, { subjects: ["never-seen"], policy }),
  );
  const x = JSON.parse(none) as { subjects: { mapProof: string[] }[] };
  report.add({
    name: "non-membership proof (map siblings)",
    value: x.subjects[0]?.mapProof.length ?? 0,
    unit: "hashes",
    note: `log2(subjects) = ${Math.log2(SUBJECTS + 1).toFixed(1)}; ${none.length} bytes for the whole extract file`,
  });
  // Last, since its checkpoint's map version is then missing from the durable store.
  if (process.env.BENCH_EXTRACT_REBUILD !== "0") {
    // What a new process paid before: an in-memory map rebuilt from every event.
    await more(EVENTS + 2000);
    await mapped.tree.catchUp();
    const rebuilt = await measure(() =>
      emitCheckpoint(mapped.tree, log, ORIGIN, { map: memoryMapStore() }),
    );
    report.add({
      name: `the same with an in-memory map (rebuilt from all ${EVENTS + 3000} events; BENCH_EXTRACT_REBUILD=0 skips)`,
      value: rebuilt.wall,
      unit: "ms",
      note: `CPU ${rebuilt.cpu.toFixed(1)} ms`,
    });
  }
  await mapped.close();
}

export const extractSection: Section = {
  name: "extract",
  async run() {
    const report = new Report("Subject map and verifiable extracts");
    // BENCH_EXTRACT_SKIP_MAP=1 skips the map-only part (minutes on a loaded 2-core machine).
    if (process.env.BENCH_EXTRACT_SKIP_MAP !== "1") await mapCosts(report);
    const dir = mkdtempSync(join(tmpdir(), "daicho-bench-extract-"));
    try {
      await ledgerCosts(report, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};
