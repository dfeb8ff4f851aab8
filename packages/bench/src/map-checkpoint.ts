import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import * as checkpoint from "@daicho/core/checkpoint";
import * as merkle from "@daicho/core/merkle";
import { accessInput } from "@daicho/core/testing";
import { bulkAppend } from "./bulk-append";
import { forkChild } from "./child";
import {
  type Arm,
  arms,
  EVENTS,
  EVERY,
  log,
  measure,
  median,
  ORIGIN,
  RATIO_ROUNDS,
  ROUNDS,
  SINCE,
  SUBJECTS,
  subjectOf,
} from "./map-checkpoint-arms";
import { Report } from "./report";
import type { Section } from "./sections";

/**
 * Checkpoint emission with the subject map on a durable SQLite ledger (issue 13: < 50 ms at
 * 10^6 events and 10^5 subjects). One ledger is built (bulk path, tree caught up, one
 * checkpoint with the map) and copied once per arm, so every arm extends the same map in
 * its own file. Each arm runs in a process of its own (map-checkpoint-arm.ts), holding one
 * ledger and one kept map as a host would. Rounds: each arm appends BENCH_MAPCKPT_SINCE
 * events (default 1,000; not timed), catches its tree up, and emits a checkpoint (timed:
 * the arm process's CPU and wall), arms in a rotating order, one at a time; medians. Then
 * the append rate with a checkpoint every BENCH_MAPCKPT_EVERY events (default 10,000) against plain appends (CPU time,
 * same rotation; plain appends in a process of their own too). Arms: this build with the
 * map kept in memory (cold at start, and warmed with every subject by `preloadMap`), this
 * build with nothing kept (`keptNodes: 0`), and with BENCH_MAPCKPT_BASELINE /
 * BENCH_MAPCKPT_BASELINE_ADAPTERS set to another build's core / adapters `dist`, that
 * build, cold and preloaded (each build preloads with its own `preloadMap`, whose kept
 * map lives in that build's module). BENCH_MAPCKPT_EVENTS (default 10^6; subjects a tenth
 * of it), BENCH_MAPCKPT_ROUNDS (default 7), BENCH_MAPCKPT_DB (keep the built ledger there
 * and reuse it).
 */

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

type Answer = { cpu: number; wall: number };

/** An arm's process: `ask` sends one message and resolves with its answer. */
interface ArmProcess {
  readonly child: ChildProcess;
  ask(op: "round" | "ratio"): Promise<Answer>;
}

const ARM_SCRIPT = fileURLToPath(new URL("./map-checkpoint-arm.js", import.meta.url));

/** Fork arm `index` (−1: plain appends) on a copy of `base`; resolves once it is ready. */
async function start(
  index: number,
  base: string,
  path: string,
): Promise<{ arm: ArmProcess; preload?: Answer }> {
  const { process: child, next } = forkChild(
    ARM_SCRIPT,
    { BENCH_MAPCKPT_ARM: String(index), BENCH_MAPCKPT_ARM_BASE: base, BENCH_MAPCKPT_ARM_DB: path },
    `map-checkpoint arm ${index}`,
  );
  const ready = (await next()) as { preload?: Answer };
  const arm: ArmProcess = {
    child,
    ask: async (op) => {
      const answer = next();
      child.send({ op });
      return (await answer) as Answer;
    },
  };
  return { arm, ...(ready.preload === undefined ? {} : { preload: ready.preload }) };
}

async function stop(p: ArmProcess): Promise<void> {
  if (p.child.exitCode !== null || p.child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => p.child.once("exit", () => resolve()));
  p.child.send({ op: "close" });
  await exited;
}

async function run(report: Report, dir: string, base: string): Promise<void> {
  const list: Arm[] = await arms();
  const procs: ArmProcess[] = [];
  try {
    for (const [i, arm] of list.entries()) {
      const { arm: p, preload } = await start(i, base, join(dir, `arm-${i}.db`));
      procs.push(p);
      if (preload !== undefined) {
        report.add({
          name: `preloadMap of all ${SUBJECTS} subjects (${arm.name}; once per process)`,
          value: preload.wall,
          unit: "ms",
          note: `CPU ${preload.cpu.toFixed(0)} ms`,
        });
      }
    }
    const cpu = list.map(() => [] as number[]);
    const wall = list.map(() => [] as number[]);
    // Round 0 warms every arm (the kept map is loaded there, as a new process would).
    for (let round = 0; round <= ROUNDS; round++) {
      for (let k = 0; k < list.length; k++) {
        const a = (round + k) % list.length;
        const m = await (procs[a] as ArmProcess).ask("round");
        if (round > 0) {
          cpu[a]?.push(m.cpu);
          wall[a]?.push(m.wall);
        }
      }
    }
    const name = (arm: Arm) =>
      `checkpoint, ${SINCE} events since, ${EVENTS} events / ${SUBJECTS} subjects, durable SQLite (${arm.name}; own process; CPU, median of ${ROUNDS})`;
    for (const [a, arm] of list.entries()) {
      report.add({
        name: name(arm),
        value: median(cpu[a] as number[]),
        unit: "ms",
        ...(a === 0 ? {} : { vs: name(list[0] as Arm) }),
        note: `wall median ${median(wall[a] as number[]).toFixed(0)} ms; CPU min ${Math.min(...(cpu[a] as number[])).toFixed(0)}`,
      });
    }
    // Append rate with a checkpoint every EVERY events against plain appends (CPU).
    const { arm: plain } = await start(-1, base, join(dir, "plain.db"));
    procs.push(plain);
    const ratioProcs = [plain, ...procs.slice(0, list.length)];
    const ratioCpu = ratioProcs.map(() => 0);
    for (let round = 0; round < RATIO_ROUNDS; round++) {
      for (let k = 0; k < ratioProcs.length; k++) {
        const r = (round + k) % ratioProcs.length;
        const m = await (ratioProcs[r] as ArmProcess).ask("ratio");
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
  } finally {
    for (const p of procs) await stop(p).catch(() => p.child.kill());
  }
}

/**
 * A section over `map-checkpoint`'s ledger: built in a temporary directory (or kept at
 * BENCH_MAPCKPT_DB and reused), then handed to `run` with that directory for copies.
 */
export function onMapLedger(
  name: string,
  title: string,
  run: (report: Report, dir: string, base: string) => Promise<void>,
): Section {
  return {
    name,
    async run() {
      const report = new Report(title);
      const dir = mkdtempSync(join(tmpdir(), `daicho-bench-${name}-`));
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
}

export const mapCheckpointSection: Section = onMapLedger(
  "map-checkpoint",
  "Checkpoint emission with the subject map",
  run,
);
