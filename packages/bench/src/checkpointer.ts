import { rmSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { forkChild } from "./child";
import { onMapLedger } from "./map-checkpoint";
import { appendEvents, copyDb, EVENTS, EVERY, measure, median } from "./map-checkpoint-arms";
import type { Report } from "./report";
import type { Section } from "./sections";

/**
 * Issue 13's "appending with the map maintained ≥ 0.9× the rate without it", with the
 * checkpoints (tree catch-up, map, signature) emitted by a second process, as a host on
 * several cores would run them: this process appends BENCH_CKPTR_EVENTS events (default
 * 60,000, batches of 1,000, durable SQLite) to a copy of `map-checkpoint`'s ledger
 * (10^6 events, 10^5 subjects) and times them in wall-clock time, (a) alone, (b) beside
 * a checkpointer keeping the tree and map in the ledger's file, (c) beside one keeping
 * them in a file of their own (a copy of the same ledger, so the same tree and map).
 * The checkpointer checkpoints whenever the tree has grown by BENCH_MAPCKPT_EVERY events
 * (default 10,000). Modes rotate, BENCH_CKPTR_ROUNDS rounds (default 3); medians. Only the
 * appends are timed; each copy and the checkpointer's preload are not.
 */
const APPENDS = Number(process.env.BENCH_CKPTR_EVENTS ?? 60_000);
const ROUNDS = Number(process.env.BENCH_CKPTR_ROUNDS ?? 3);
const CHILD = fileURLToPath(new URL("./checkpointer-child.js", import.meta.url));

type Mode = "alone" | "same file" | "own file";
const MODES: readonly Mode[] = ["alone", "same file", "own file"];

interface Outcome {
  readonly wall: number;
  readonly cpu: number;
  readonly emitted: number;
}

async function once(mode: Mode, dir: string, base: string): Promise<Outcome> {
  const path = join(dir, "ledger.db");
  copyDb(base, path);
  const treePath = mode === "own file" ? join(dir, "tree.db") : path;
  if (mode === "own file") copyDb(base, treePath);
  const child =
    mode === "alone"
      ? undefined
      : forkChild(
          CHILD,
          { BENCH_CKPTR_EVENTS_DB: path, BENCH_CKPTR_TREE_DB: treePath },
          "checkpointer",
        );
  try {
    if (child !== undefined) await child.next();
    const ledger = await openLedger({ store: sqliteStore(path, { synchronous: "normal" }) });
    const head = await ledger.store.head();
    const o = { ledger, next: head === null ? 0 : head.seq + 1 };
    const t = await measure(() => appendEvents(o, APPENDS));
    await ledger.close();
    let emitted = 0;
    if (child !== undefined) {
      const done = child.next();
      child.process.send("stop");
      emitted = Number((await done).emitted);
    }
    return { ...t, emitted };
  } finally {
    child?.process.kill();
    rmSync(join(dir, "tree.db"), { force: true });
  }
}

async function run(report: Report, dir: string, base: string): Promise<void> {
  const runs = new Map<Mode, Outcome[]>(MODES.map((m) => [m, []]));
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < MODES.length; k++) {
      const mode = MODES[(round + k) % MODES.length] as Mode;
      runs.get(mode)?.push(await once(mode, dir, base));
    }
  }
  const name = (mode: Mode) =>
    mode === "alone"
      ? `append ${APPENDS} events past ${EVENTS}, no checkpointer (wall, median of ${ROUNDS})`
      : `the same beside a checkpointer process, every ${EVERY} events, tree and map in ${mode === "same file" ? "the ledger's file" : "a file of their own"}`;
  for (const mode of MODES) {
    const rs = runs.get(mode) ?? [];
    report.add({
      name: name(mode),
      value: median(rs.map((r) => (APPENDS / r.wall) * 1000)),
      unit: "events/s",
      ...(mode === "alone" ? {} : { vs: name("alone") }),
      note: `appender CPU median ${median(rs.map((r) => r.cpu)).toFixed(0)} ms${mode === "alone" ? "" : `; checkpoints per run ${rs.map((r) => r.emitted).join(", ")}`}`,
    });
  }
}

export const checkpointerSection: Section = onMapLedger(
  "checkpointer",
  "Appends beside a checkpointer process (issue 13, 2 cores)",
  run,
);
