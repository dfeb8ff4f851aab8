import { copyFileSync, existsSync, rmSync } from "node:fs";
import { join } from "node:path";
import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import * as checkpoint from "@daicho/core/checkpoint";
import * as merkle from "@daicho/core/merkle";
import { accessInput } from "@daicho/core/testing";
import { cpuWallMs } from "./report";

/**
 * What the parent of `map-checkpoint` (map-checkpoint.ts) and each arm's own process
 * (map-checkpoint-arm.ts) share: the sizes, the arms, opening an arm's copy of the ledger
 * and appending to it.
 */
export const EVENTS = Number(process.env.BENCH_MAPCKPT_EVENTS ?? 1_000_000);
export const SUBJECTS = Math.max(1, Math.round(EVENTS / 10));
export const SINCE = Number(process.env.BENCH_MAPCKPT_SINCE ?? 1_000);
export const ROUNDS = Number(process.env.BENCH_MAPCKPT_ROUNDS ?? 7);
export const RATIO_ROUNDS = Number(process.env.BENCH_MAPCKPT_RATIO_ROUNDS ?? 3);
/** Events between checkpoints in the append-rate comparison (BENCH_MAPCKPT_EVERY). */
export const EVERY = Number(process.env.BENCH_MAPCKPT_EVERY ?? 10_000);
export const ORIGIN = "bench.daicho.example/map-checkpoint";
export const log = checkpoint.ed25519Signer(ORIGIN, new Uint8Array(32).fill(5));

export const subjectOf = (n: number) => `s-${(n * 7919) % SUBJECTS}`;

type Checkpointing = Pick<typeof checkpoint, "emitCheckpoint" | "preloadMap">;
type Merkle = Pick<typeof merkle, "catchUp">;
/** The arm's SQLite stores: a baseline build's own, so its file keeps that build's schema. */
type SqliteStores = { sqliteTreeStore: typeof sqliteTreeStore; sqliteStore: typeof sqliteStore };

export interface Arm {
  readonly name: string;
  /** Warm the kept map with every subject's path before the rounds (`preloadMap`). */
  readonly preload?: boolean;
  readonly options: checkpoint.MapOptions;
  readonly checkpointing: Checkpointing;
  readonly merkle: Merkle;
  readonly stores: SqliteStores;
}

export interface Open {
  readonly ledger: Awaited<ReturnType<typeof openLedger>>;
  readonly tree: merkle.LedgerTree;
  next: number;
}

export const measure = cpuWallMs;

export const median = (xs: readonly number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)] as number;
};

export function copyDb(from: string, to: string): void {
  for (const ext of ["", "-wal", "-shm"]) {
    rmSync(to + ext, { force: true });
    if (existsSync(from + ext)) copyFileSync(from + ext, to + ext);
  }
}

/** Append `n` events to `o`'s ledger in batches of 1,000, advancing `o.next`. */
export async function appendEvents(
  o: Pick<Open, "ledger"> & { next: number },
  n: number,
): Promise<void> {
  for (let done = 0; done < n; done += 1_000) {
    const count = Math.min(1_000, n - done);
    await o.ledger.appendBatch(
      Array.from({ length: count }, (_, i) => accessInput(o.next + i, subjectOf(o.next + i))),
    );
    o.next += count;
  }
}

export async function open(path: string, arm: Arm): Promise<Open> {
  const ledger = await openLedger({
    store: arm.stores.sqliteStore(path, { synchronous: "normal" }),
  });
  const tree = await arm.merkle.catchUp(arm.stores.sqliteTreeStore(path), ledger.store);
  const head = await ledger.store.head();
  return { ledger, tree, next: head === null ? 0 : head.seq + 1 };
}

export async function arms(): Promise<Arm[]> {
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
