import { existsSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { openPostgres } from "@daicho/adapters/postgres";
import { type PgCluster, startPgCluster } from "@daicho/adapters/postgres/harness";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { openLedger, type Store, type SubjectHead } from "@daicho/core";
import { ed25519Signer, emitCheckpoint, mapCheck, treeCheck } from "@daicho/core/checkpoint";
import * as extract from "@daicho/core/extract";
import { catchUp, type LedgerTree, type TreeStore } from "@daicho/core/merkle";
import { accessInput } from "@daicho/core/testing";
import { bulkAppend } from "./bulk-append";
import { cpuWallMs, Report } from "./report";
import type { Section } from "./sections";

/**
 * Extract generation and verification at scale (issue 13: a 1,000-event subject in a
 * 10^7-event ledger). The ledger is written through the store's bulk path (bodies built
 * and hashed with the core's own `buildBody` / `sealBody`, appended in batches of 10,000,
 * chain and subject links as the ledger computes them), the tree caught up and one
 * checkpoint with the subject map emitted; then `exportExtract` and `verifyExtract` for the
 * heavy subject, several rounds, in CPU time. With `BENCH_EXTRACT_BASELINE` set to another
 * build's `dist` directory (for example a copy of `packages/core/dist` made before a
 * change), its `exportExtract` / `verifyExtract` run on the same ledger, interleaved round
 * by round, so the ratio survives a loaded machine (`BENCH_EXTRACT_BASELINE_ADAPTERS`: the
 * baseline's adapters `dist`, whose SQLite tree store the baseline arm then reads).
 *
 * BENCH_EXTRACT_SCALE_EVENTS: ledger size (default 10^6). BENCH_EXTRACT_SCALE_DB: keep the
 * ledger in this file and reuse it when it already holds that many events (generating
 * 10^7 events takes many minutes). BENCH_EXTRACT_SCALE_ROUNDS: rounds (default 7).
 * BENCH_EXTRACT_SCALE_STORE=postgres: the same on a durable PostgreSQL cluster of its own
 * (or `DAICHO_PG_URL`), reporting the database's size. BENCH_EXTRACT_SCALE_VERIFY=1: also
 * run every check `daicho verify` runs (chain, stored copies, tree, checkpoints, map) and
 * report its time and the process's peak resident memory.
 */
const EVENTS = Number(process.env.BENCH_EXTRACT_SCALE_EVENTS ?? 1_000_000);
const ROUNDS = Number(process.env.BENCH_EXTRACT_SCALE_ROUNDS ?? 7);
/** Calls of each per round and arm (BENCH_EXTRACT_SCALE_CALLS, default 5); a round's figure is their mean. */
const PER_ROUND = Number(process.env.BENCH_EXTRACT_SCALE_CALLS ?? 5);
const SUBJECTS = Math.max(1, Math.round(EVENTS / 10));
const HEAVY = 1_000;
const ORIGIN = "bench.daicho.example/extract-scale";
const log = ed25519Signer(ORIGIN, new Uint8Array(32).fill(3));
const policy = { keys: [log.verifier] };

/** Event n: every (EVENTS / HEAVY)-th is about "heavy", the rest about one of SUBJECTS. */
const subjectOf = (n: number) =>
  n % Math.floor(EVENTS / HEAVY) === 0 ? "heavy" : `s-${(n * 7919) % SUBJECTS}`;

/** Bulk-append events [head + 1, EVENTS), continuing the subjects' links where a run stopped. */
async function fill(store: Store, genesis: string, report: (n: number) => void): Promise<void> {
  const head = await store.head();
  const from = head === null ? 0 : head.seq + 1;
  const heads = new Map<string, SubjectHead>();
  if (from > 0 && from < EVENTS) {
    const names = ["heavy", ...Array.from({ length: SUBJECTS }, (_, i) => `s-${i}`)];
    for (let i = 0; i < names.length; i += 10_000)
      for (const [k, v] of await store.subjectHeads(names.slice(i, i + 10_000))) heads.set(k, v);
  }
  await bulkAppend(
    store,
    { from, to: EVENTS },
    (i) => accessInput(i, subjectOf(i)),
    heads,
    genesis,
    (n) => n % 500_000 === 0 && report(n),
  );
}

const measure = cpuWallMs;

type ExtractModule = Pick<typeof extract, "exportExtract" | "verifyExtract">;

interface Arm {
  readonly name: string;
  readonly module: ExtractModule;
  /** The tree (and its store) this arm builds from: the baseline's own SQLite tree store. */
  readonly tree: LedgerTree;
}

const gc = () =>
  process.env.BENCH_EXTRACT_SCALE_GC === "1" && (globalThis as { gc?: () => void }).gc?.();

const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

/** Build and verify the heavy subject's extract ROUNDS times with each implementation, interleaved. */
async function extractRounds(report: Report, arms: readonly Arm[]): Promise<void> {
  const build = arms.map(() => [] as number[]);
  const verify = arms.map(() => [] as number[]);
  const sizes = arms.map(() => 0);
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < arms.length; k++) {
      const a = (round + k) % arms.length;
      const { module, tree } = arms[a] as Arm;
      let text = "";
      gc();
      // Several calls per round, so a collection caused by one arm's garbage is spread
      // over its own calls instead of landing on one measurement.
      const b = await measure(async () => {
        for (let k = 0; k < PER_ROUND; k++)
          text = JSON.stringify(
            await module.exportExtract(tree, ORIGIN, { subjects: ["heavy"], policy }),
          );
      });
      let ok = true;
      gc();
      const v = await measure(async () => {
        for (let k = 0; k < PER_ROUND; k++)
          ok = module.verifyExtract(text, { policy })._tag === "Right" && ok;
      });
      if (!ok) throw new Error(`${arms[a]?.name}: the extract did not verify`);
      b.cpu /= PER_ROUND;
      v.cpu /= PER_ROUND;
      build[a]?.push(b.cpu);
      verify[a]?.push(v.cpu);
      sizes[a] = text.length;
    }
  }
  for (const [a, arm] of arms.entries()) {
    const first = arms[0]?.name;
    report.add({
      name: `exportExtract, ${HEAVY}-event subject in ${EVENTS} events (${arm.name}; CPU, median of ${ROUNDS} rounds)`,
      value: median(build[a] as number[]),
      unit: "ms",
      ...(a === 0
        ? {}
        : {
            vs: `exportExtract, ${HEAVY}-event subject in ${EVENTS} events (${first}; CPU, median of ${ROUNDS} rounds)`,
          }),
      note: `min ${Math.min(...(build[a] as number[])).toFixed(1)}`,
    });
    report.add({
      name: `verifyExtract of it (${arm.name}; CPU, median of ${ROUNDS} rounds)`,
      value: median(verify[a] as number[]),
      unit: "ms",
      ...(a === 0 ? {} : { vs: `verifyExtract of it (${first}; CPU, median of ${ROUNDS} rounds)` }),
      note: `min ${Math.min(...(verify[a] as number[])).toFixed(1)}; ${((sizes[a] as number) / 1024).toFixed(0)} KiB`,
    });
  }
}

/** Where the ledger lives: a SQLite file or a PostgreSQL tenant. */
interface Target {
  readonly name: string;
  /** The SQLite file (a baseline build's tree store can read it too). */
  readonly path?: string;
  readonly store: Store;
  treeStore(): TreeStore;
  /** Bytes on disk (the file, or the database). */
  bytes(): Promise<number>;
}

async function run(report: Report, target: Target): Promise<void> {
  const { store } = target;
  const ledger = await openLedger({ store, ledgerId: ORIGIN });
  const filled = await measure(() =>
    fill(store, ledger.genesis, (n) => console.log(`    … ${n} events`)),
  );
  if (filled.wall > 1000)
    report.add({
      name: `bulk-append the ledger to ${EVENTS} events (${SUBJECTS + 1} subjects, ${target.name})`,
      value: filled.wall / 1000,
      unit: "s",
      note: `CPU ${(filled.cpu / 1000).toFixed(0)} s`,
    });
  let tree: LedgerTree | undefined;
  const treed = await measure(async () => {
    tree = await catchUp(target.treeStore(), store);
  });
  const t = tree as LedgerTree;
  if (treed.wall > 1000)
    report.add({
      name: "catch the tree up",
      value: treed.wall / 1000,
      unit: "s",
      note: `CPU ${(treed.cpu / 1000).toFixed(0)} s`,
    });
  if ((await t.store.latestCheckpoint())?.size !== EVENTS) {
    const cp = await measure(() => emitCheckpoint(t, log, ORIGIN));
    report.add({
      name: `first checkpoint with the subject map (${SUBJECTS + 1} subjects, map built from every event)`,
      value: cp.wall / 1000,
      unit: "s",
      note: `CPU ${(cp.cpu / 1000).toFixed(0)} s`,
    });
  }
  if (process.env.BENCH_EXTRACT_SCALE_VERIFY === "1") await verifyAll(report, ledger, t, target);
  const bytes = await target.bytes();
  report.add({
    name: `size on disk (${target.name}: events, both indexes, tree, map, checkpoint)`,
    value: bytes / 2 ** 30,
    unit: "GiB",
    note: `${(bytes / EVENTS).toFixed(0)} B per event`,
  });
  const arms: Arm[] = [];
  const baseline = process.env.BENCH_EXTRACT_BASELINE;
  const path = target.path;
  if (baseline !== undefined && path !== undefined) {
    // The baseline's tree store too, when given (BENCH_EXTRACT_BASELINE_ADAPTERS: another
    // build's adapters `dist`), so a change in how proofs are read is measured as well.
    const adapters = process.env.BENCH_EXTRACT_BASELINE_ADAPTERS;
    const treeStore =
      adapters === undefined
        ? sqliteTreeStore(path)
        : (
            (await import(
              join(adapters, "sqlite", "index.js")
            )) as typeof import("@daicho/adapters/sqlite")
          ).sqliteTreeStore(path);
    arms.push({
      name: "baseline",
      module: (await import(join(baseline, "extract", "index.js"))) as ExtractModule,
      tree: await catchUp(treeStore, store),
    });
  }
  arms.push({ name: "this build", module: extract, tree: t });
  await extractRounds(report, arms);
  for (const arm of arms) if (arm.tree !== t) await arm.tree.store.close();
  await t.store.close();
  await ledger.close();
}

/** Every check `daicho verify` runs, as `verifyLedger` in the CLI wires them, timed. */
async function verifyAll(
  report: Report,
  ledger: Awaited<ReturnType<typeof openLedger>>,
  t: LedgerTree,
  target: Target,
): Promise<void> {
  let ok = false;
  let checked = "";
  let failure = "";
  const v = await measure(async () => {
    const tree = await treeCheck(t.store, { origin: ORIGIN, policy });
    const map = await mapCheck(t.store);
    const r = await ledger.verify({ also: [tree, map] });
    ok = r.ok;
    checked = r.ok ? (r.checked ?? []).join(", ") : "";
    failure = r.ok ? "" : JSON.stringify(r.failure);
  });
  // A failure is reported, not thrown, so the run's other figures are not lost with it.
  if (!ok) console.log(`  VERIFY FAILED on the bench ledger: ${failure}`);
  report.add({
    name: ok ? `verify, every check (${target.name}: ${checked})` : `verify FAILED (${failure})`,
    value: v.wall / 1000,
    unit: "s",
    note: `CPU ${(v.cpu / 1000).toFixed(0)} s; ${Math.round(EVENTS / (v.wall / 1000))} events/s; peak RSS of the process so far ${(process.resourceUsage().maxRSS / 2 ** 20).toFixed(2)} GiB`,
  });
}

async function sqliteTarget(report: Report): Promise<void> {
  const keep = process.env.BENCH_EXTRACT_SCALE_DB;
  const dir = keep === undefined ? mkdtempSync(join(tmpdir(), "daicho-bench-xscale-")) : undefined;
  const path = keep ?? join(dir as string, "ledger.db");
  console.log(`  ledger ${path}${existsSync(path) ? " (reused)" : ""}`);
  try {
    const target = {
      name: "sqlite",
      path,
      store: sqliteStore(path, { synchronous: "normal" }),
      treeStore: () => sqliteTreeStore(path),
      bytes: async () => fileBytes(path),
    };
    await run(report, target);
  } finally {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
  }
}

function fileBytes(path: string): number {
  return [path, `${path}-wal`].reduce((n, p) => n + (existsSync(p) ? statSync(p).size : 0), 0);
}

async function postgresTarget(report: Report): Promise<void> {
  const cluster: PgCluster = await startPgCluster({ durable: true });
  const db = await openPostgres({ connectionString: cluster.url, migrate: true });
  try {
    await run(report, {
      name: "postgresql",
      store: db.store("bench"),
      treeStore: () => db.treeStore("bench"),
      bytes: async () =>
        Number(
          (
            await db.pool.query<{ n: string }>(
              "SELECT pg_database_size(current_database())::text AS n",
            )
          ).rows[0]?.n,
        ),
    });
  } finally {
    await db.close();
    cluster.destroy();
  }
}

export const extractScaleSection: Section = {
  name: "extract-scale",
  async run() {
    const report = new Report("Extracts at scale");
    if (process.env.BENCH_EXTRACT_SCALE_STORE === "postgres") await postgresTarget(report);
    else await sqliteTarget(report);
    return report;
  },
};
