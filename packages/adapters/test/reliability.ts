import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { genesisHash, type Store, type VerifyReport, verifyEvents } from "@daicho/core";
import { afterAll, beforeAll } from "vitest";
import { type PgCluster, startPgCluster } from "../src/postgres/harness/index";
import { postgresStore } from "../src/postgres/index";
import { sqliteStore } from "../src/sqlite/index";

const WORKER = fileURLToPath(new URL("./workers/append-worker.ts", import.meta.url));
const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

export interface WriterArgs {
  readonly kind: "sqlite" | "postgres";
  readonly location: string;
  readonly tenant?: string;
  readonly ledgerId: string;
  readonly prefix: string;
  readonly count: number;
  readonly concurrency: number;
  /** Events per append call (1 = single appends, grouped by the ledger). */
  readonly batch?: number;
}

/** A writer process and the ids it has acknowledged so far. */
export interface Writer {
  readonly child: ChildProcess;
  readonly acked: Set<string>;
  /** Resolves with the exit code (or the signal) when the process ends. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
  /** Resolves once at least `n` ids were acknowledged (or the process ended). */
  ackedAtLeast(n: number): Promise<void>;
}

/** Start the append worker as its own OS process (Node + tsx, sources resolved via tsconfig paths). */
export function spawnWriter(args: WriterArgs): Writer {
  const child = spawn(process.execPath, ["--import", "tsx", WORKER, JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  const acked = new Set<string>();
  const waiters: { n: number; resolve: () => void }[] = [];
  let buffered = "";
  let stderr = "";
  let ended = false;
  const wake = () => {
    for (const w of [...waiters]) {
      if (ended || acked.size >= w.n) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
    }
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const lines = buffered.split("\n");
    buffered = lines.pop() ?? "";
    for (const line of lines) if (line.startsWith("ack ")) acked.add(line.slice(4));
    wake();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = new Promise<{
    code: number | null;
    signal: NodeJS.Signals | null;
    stderr: string;
  }>((resolve) => {
    child.on("close", (code, signal) => {
      ended = true;
      wake();
      resolve({ code, signal, stderr });
    });
  });
  return {
    child,
    acked,
    exited,
    ackedAtLeast: (n) =>
      new Promise<void>((resolve) => {
        waiters.push({ n, resolve });
        wake();
      }),
  };
}

/** Everything the store holds, checked: chain verifies, and each acknowledged id appears exactly once. */
export async function auditStore(
  store: Store,
  ledgerId: string,
  acked: Iterable<string>,
): Promise<{ report: VerifyReport; missing: string[]; duplicated: string[]; total: number }> {
  const report = await verifyEvents(store.read(), genesisHash(ledgerId));
  const seen = new Map<string, number>();
  let total = 0;
  for await (const e of store.read()) {
    seen.set(e.id, (seen.get(e.id) ?? 0) + 1);
    total++;
  }
  const missing: string[] = [];
  const duplicated: string[] = [];
  for (const id of acked) {
    const n = seen.get(id) ?? 0;
    if (n === 0) missing.push(id);
    if (n > 1) duplicated.push(id);
  }
  return { report, missing, duplicated, total };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** A store both reliability suites run against, and how a writer process reaches it. */
export interface ReliabilityTarget {
  readonly name: string;
  readonly kind: "sqlite" | "postgres";
  readonly location: () => string;
  readonly open: () => Store;
}

/**
 * Register a throw-away PostgreSQL cluster and a temp folder for one test file, and return
 * the SQLite and PostgreSQL targets on them (`tenant` names the PostgreSQL ledger, `file`
 * the SQLite one).
 */
export function reliabilityTargets(tenant: string, file: string): readonly ReliabilityTarget[] {
  let cluster: PgCluster | undefined;
  let dir = "";
  beforeAll(async () => {
    cluster = await startPgCluster();
    dir = mkdtempSync(join(tmpdir(), `daicho-${tenant}-`));
  });
  afterAll(() => {
    cluster?.destroy();
    rmSync(dir, { recursive: true, force: true });
  });
  const url = () => (cluster as PgCluster).url;
  return [
    {
      name: "SQLite",
      kind: "sqlite",
      location: () => join(dir, file),
      open: () => sqliteStore(join(dir, file)),
    },
    {
      name: "PostgreSQL",
      kind: "postgres",
      location: url,
      open: () => postgresStore({ connectionString: url(), tenant, migrate: true }),
    },
  ];
}
