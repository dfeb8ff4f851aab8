import { reportError, runChild, toParent } from "./child";
import {
  appendEvents,
  arms,
  copyDb,
  EVERY,
  log,
  measure,
  ORIGIN,
  open,
  SINCE,
  SUBJECTS,
} from "./map-checkpoint-arms";

/**
 * One arm of `map-checkpoint` in a process of its own (forked by map-checkpoint.ts), so
 * each arm's heap holds one ledger and one kept map, as a host's would, and no arm pays
 * for the garbage another leaves. BENCH_MAPCKPT_ARM: the arm's index in `arms()`, or −1
 * for plain appends with no checkpoints; BENCH_MAPCKPT_ARM_BASE: the built ledger;
 * BENCH_MAPCKPT_ARM_DB: where this arm's copy goes. The parent sends `round` (append
 * BENCH_MAPCKPT_SINCE events, catch the tree up, emit one checkpoint: only the emission
 * is timed), `ratio` (append BENCH_MAPCKPT_EVERY events and, unless plain, catch up and emit: all
 * timed) and `close`; every answer is `{ cpu, wall }` in ms, or `{ error }`.
 */
type Message = { op: "round" | "ratio" | "close" };

async function main(): Promise<void> {
  const index = Number(process.env.BENCH_MAPCKPT_ARM);
  const base = process.env.BENCH_MAPCKPT_ARM_BASE as string;
  const path = process.env.BENCH_MAPCKPT_ARM_DB as string;
  const list = await arms();
  const arm = list[index < 0 ? list.length - 1 : index];
  if (arm === undefined) throw new Error(`no arm ${index}`);
  copyDb(base, path);
  const o = await open(path, arm);
  const emit = () => arm.checkpointing.emitCheckpoint(o.tree, log, ORIGIN, arm.options);
  let preload: { cpu: number; wall: number } | undefined;
  if (index >= 0 && arm.preload === true) {
    const ids = Array.from({ length: SUBJECTS }, (_, n) => `s-${n}`);
    preload = await measure(() => arm.checkpointing.preloadMap(o.tree, arm.options, ids));
  }
  toParent({ ready: true, preload });
  process.on("message", (m: Message) => {
    const work = async () => {
      if (m.op === "close") {
        await o.tree.store.close();
        await o.ledger.close();
        process.disconnect();
        return;
      }
      if (m.op === "round") {
        await appendEvents(o, SINCE);
        await o.tree.catchUp();
        (globalThis as { gc?: () => void }).gc?.();
        toParent(await measure(emit));
        return;
      }
      toParent(
        await measure(async () => {
          await appendEvents(o, EVERY);
          if (index < 0) return;
          await o.tree.catchUp();
          await emit();
        }),
      );
    };
    work().catch(reportError);
  });
}

runChild(main);
