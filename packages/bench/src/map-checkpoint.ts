import { copyFileSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import * as checkpoint from "@daicho/core/checkpoint";
import * as merkle from "@daicho/core/merkle";
import { accessInput } from "@daicho/core/testing";
import { bulkAppend } from "./bulk-append";
import { cpuWallMs, Report } from "./report";
import type { Section } from "./sections";

/**
 * Checkpoint emission with the subject map on a durable SQLite ledger (issue 13: < 50 ms at
 * 10^6 events and 10^5 subjects). One ledger is built (bulk path, tree caught up, one
 * checkpoint with the map) and copied once per arm, so every arm extends the same map in
 * its own file. Rounds: each arm appends BENCH_MAPCKPT_SINCE events (default 1,000; not
 * timed), catches its tree up, and emits a checkpoint (timed: CPU and wall), arms in a
 * rotating order; medians. Then the append rate with a checkpoint every 10,000 events
 * against plain appends (CPU time, same rotation). Arms: this build with the map kept in
 * memory (cold at start, and warmed with every subject by `preloadMap`), this build with
 * nothing kept (`keptNodes: 0`), and with BENCH_MAPCKPT_BASELINE /
 * BENCH_MAPCKPT_BASELINE_ADAPTERS set to another build's core / adapters `dist`, that
 * build, cold and preloaded (each build preloads with its own `preloadMap`, whose kept
 * map lives in that build's module). BENCH_MAPCKPT_EVENTS (default 10^6; subjects a tenth of it), BENCH_MAPCKPT_ROUNDS
 * (default 7), BENCH_MAPCKPT_DB (keep the built ledger there and reuse it).
 */
const EVENTS = Number(process.env.BENCH_MAPCKPT_EVENTS ?? 1_000_000);
const SUBJECTS = Math.max(1, Math.round(EVENTS / 10));
const SINCE = Number(process.env.BENCH_MAPCKPT_SINCE ?? 1_000);
const ROUNDS = Number(process.env.BENCH_MAPCKPT_ROUNDS ?? 7);
const RATIO_ROUNDS = Number(process.env.BENCH_MAPCKPT_RATIO_ROUNDS ?? 3);
const EVERY = 10_000;
const ORIGIN = "bench.daicho.example/map-checkpoint";
const log = checkpoint.ed25519Signer(ORIGIN, new Uint8Array(32).fill(5));

const subjectOf = (n: number) => `s-${(n * 7919) % SUBJECTS}`;

type Checkpointing = Pick<typeof checkpoint, "emitCheckpoint" | "preloadMap">;
type Merkle = Pick<typeof merkle, "catchUp">;
/** The arm's SQLite stores: a baseline build's own, so its file keeps that build's schema. */
type SqliteStores = { sqliteTreeStore: typeof sqliteTreeStore; sqliteStore: typeof sqliteStore };

interface Arm {
  readonly name: string;
  /** Warm the kept map with every subject's path before the rounds (`preloadMap`). */
  readonly preload?: boolean;
  readonly options: checkpoint.MapOptions;
  readonly checkpointing: Checkpointing;
  readonly merkle: Merkle;
  readonly stores: SqliteStores;
}

interface Open {
  readonly ledger: Awaited<ReturnType<typeof openLedger>>;
  readonly tree: merkle.LedgerTree;
  next: number;
}

const measure = cpuWallMs;

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

function copyDb(from: string, to: string): void {
  for (const ext of ["", "-wal", "-shm"]) {
    rmSync(to + ext, { force: true });
    if (existsSync(from + ext)) copyFileSync(from + ext, to + ext);
  }
}

async function appendEvents(o: Open, n: number): Promise<void> {
  for (let done = 0; done < n; done += 1_000) {
    const count = Math.min(1_000, n - done);
    await o.ledger.appendBatch(
      Array.from({ length: count }, (_, i) => accessInput(o.next + i, subjectOf(o.next + i))),
    );
    o.next += count;
  }
}

/** The shared ledger: bulk-appended, tree caught up, one checkpoint with the map. */
async function build(path: string, report: Report): Promise<void> {
  const store = sqliteStore(path, { synchronous: "normal" });
  const ledger = await openLedger({ store, ledgerId: ORIGIN });
  const head = await store.head();
  if (head === null || head.seq + 1 < EVENTS) {
    const t = await measure(() =>
      bulkAppend(
        store,
        { from: head === null ? 0 : head.seq + 1, to: EVENTS },
        (i) => accessInput(i, subjectOf(i)),
        new Map(),
        ledger.genesis,
      ),
    );
    report.add({
      name: `bulk-append ${EVENTS} events (${SUBJECTS} subjects)`,
      value: t.wall / 1000,
      unit: "s",
    });
  }
  const tree = await merkle.catchUp(sqliteTreeStore(path), store);
  if ((await tree.store.latestCheckpoint())?.size !== EVENTS) {
    const t = await measure(() => checkpoint.emitCheckpoint(tree, log, ORIGIN));
    report.add({
      name: "first checkpoint (map built from every event)",
      value: t.wall / 1000,
      unit: "s",
    });
  }
  await tree.store.close();
  await ledger.close();
}

async function open(path: string, arm: Arm): Promise<Open> {
  const ledger = await openLedger({
    store: arm.stores.sqliteStore(path, { synchronous: "normal" }),
  });
  const tree = await arm.merkle.catchUp(arm.stores.sqliteTreeStore(path), ledger.store);
  const head = await ledger.store.head();
  return { ledger, tree, next: head === null ? 0 : head.seq + 1 };
}

async function arms(): Promise<Arm[]> {
  const out: Arm[] = [];
  const baseline = process.env.BENCH_MAPCKPT_BASELINE;
  if (baseline !== undefined) {
    const adapters = process.env.BENCH_MAPCKPT_BASELINE_ADAPTERS;
    const build = {
      options: {},
      checkpointing: (await import(join(baseline, "checkpoint", "index.js"))) as Checkpointing,
      merkle: (await import(join(baseline, "merkle", "index.js"))) as Merkle,
      stores:
        adapters === undefined
          ? { sqliteTreeStore, sqliteStore }
          : ((await import(join(adapters, "sqlite", "index.js"))) as SqliteStores),
    };
    out.push({ name: "baseline", ...build });
    out.push({ name: "baseline, preloaded", preload: true, ...build });
  }
  const self = { checkpointing: checkpoint, merkle, stores: { sqliteTreeStore, sqliteStore } };
  out.push({ name: "this build, nothing kept", options: { keptNodes: 0 }, ...self });
  out.push({ name: "this build, map kept", options: {}, ...self });
  out.push({ name: "this build, map kept, preloaded", options: {}, preload: true, ...self });
  return out;
}

async function run(report: Report, dir: string, base: string): Promise<void> {
  const list = await arms();
  const opened: Open[] = [];
  for (const [i, arm] of list.entries()) {
    const path = join(dir, `arm-${i}.db`);
    copyDb(base, path);
    const o = await open(path, arm);
    if (arm.preload === true) {
      const ids = Array.from({ length: SUBJECTS }, (_, n) => `s-${n}`);
      const t = await measure(() => arm.checkpointing.preloadMap(o.tree, arm.options, ids));
      report.add({
        name: `preloadMap of all ${SUBJECTS} subjects (${arm.name}; once per process)`,
        value: t.wall,
        unit: "ms",
        note: `CPU ${t.cpu.toFixed(0)} ms`,
      });
    }
    opened.push(o);
  }
  const emit = (a: number) => {
    const arm = list[a] as Arm;
    const o = opened[a] as Open;
    return arm.checkpointing.emitCheckpoint(o.tree, log, ORIGIN, arm.options);
  };
  const cpu = list.map(() => [] as number[]);
  const wall = list.map(() => [] as number[]);
  // Round 0 warms every arm (the kept map is loaded there, as a new process would).
  for (let round = 0; round <= ROUNDS; round++) {
    for (let k = 0; k < list.length; k++) {
      const a = (round + k) % list.length;
      const o = opened[a] as Open;
      await appendEvents(o, SINCE);
      await o.tree.catchUp();
      (globalThis as { gc?: () => void }).gc?.();
      const m = await measure(() => emit(a));
      if (round > 0) {
        cpu[a]?.push(m.cpu);
        wall[a]?.push(m.wall);
      }
    }
  }
  const first = `checkpoint, ${SINCE} events since, ${EVENTS} events / ${SUBJECTS} subjects, durable SQLite (${list[0]?.name}; CPU, median of ${ROUNDS})`;
  for (const [a, arm] of list.entries()) {
    report.add({
      name: `checkpoint, ${SINCE} events since, ${EVENTS} events / ${SUBJECTS} subjects, durable SQLite (${arm.name}; CPU, median of ${ROUNDS})`,
      value: median(cpu[a] as number[]),
      unit: "ms",
      ...(a === 0 ? {} : { vs: first }),
      note: `wall median ${median(wall[a] as number[]).toFixed(0)} ms; CPU min ${Math.min(...(cpu[a] as number[])).toFixed(0)}`,
    });
  }
  // Append rate with a checkpoint every EVERY events against plain appends (CPU).
  const plainPath = join(dir, "plain.db");
  copyDb(base, plainPath);
  const plain = await open(plainPath, list[list.length - 1] as Arm);
  const ratioArms = [-1, ...list.keys()];
  const ratioCpu = ratioArms.map(() => 0);
  for (let round = 0; round < RATIO_ROUNDS; round++) {
    for (let k = 0; k < ratioArms.length; k++) {
      const r = (round + k) % ratioArms.length;
      const a = ratioArms[r] as number;
      const m = await measure(async () => {
        if (a < 0) return appendEvents(plain, EVERY);
        const o = opened[a] as Open;
        await appendEvents(o, EVERY);
        await o.tree.catchUp();
        await emit(a);
      });
      ratioCpu[r] = (ratioCpu[r] as number) + m.cpu;
    }
  }
  const plainName = `append ${EVERY * RATIO_ROUNDS} events past ${EVENTS}, no checkpoints (CPU)`;
  report.add({
    name: plainName,
    value: ((EVERY * RATIO_ROUNDS) / (ratioCpu[0] as number)) * 1000,
    unit: "events/s",
  });
  for (const [a, arm] of list.entries()) {
    report.add({
      name: `the same with a checkpoint every ${EVERY} (${arm.name}; CPU)`,
      value: ((EVERY * RATIO_ROUNDS) / (ratioCpu[a + 1] as number)) * 1000,
      unit: "events/s",
      vs: plainName,
    });
  }
  for (const o of [...opened, plain]) {
    await o.tree.store.close();
    await o.ledger.close();
  }
}

export const mapCheckpointSection: Section = {
  name: "map-checkpoint",
  async run() {
    const report = new Report("Checkpoint emission with the subject map");
    const dir = mkdtempSync(join(tmpdir(), "daicho-bench-mapckpt-"));
    const base = process.env.BENCH_MAPCKPT_DB ?? join(dir, "base.db");
    try {
      await build(base, report);
      await run(report, dir, base);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};
