import { sqliteStore, sqliteTreeStore } from "@daicho/adapters/sqlite";
import * as checkpoint from "@daicho/core/checkpoint";
import * as merkle from "@daicho/core/merkle";
import { runChild, toParent } from "./child";
import { EVERY, log, ORIGIN, SUBJECTS } from "./map-checkpoint-arms";

/**
 * The checkpointer of `pnpm bench checkpointer` (checkpointer.ts), in a process of its own
 * beside the appending one, as a host would run it: it follows the ledger in
 * BENCH_CKPTR_EVENTS_DB, keeps the tree and map in BENCH_CKPTR_TREE_DB (the same file or
 * one of its own), preloads the map with every subject, says `ready`, then catches the
 * tree up and emits a checkpoint whenever the tree has grown by BENCH_MAPCKPT_EVERY events
 * since the last one, until told `stop`; it answers with what it did.
 */
async function main(): Promise<void> {
  const events = sqliteStore(process.env.BENCH_CKPTR_EVENTS_DB as string, {
    synchronous: "normal",
  });
  const tree = await merkle.catchUp(
    sqliteTreeStore(process.env.BENCH_CKPTR_TREE_DB as string),
    events,
  );
  const ids = Array.from({ length: SUBJECTS }, (_, n) => `s-${n}`);
  await checkpoint.preloadMap(tree, {}, ids);
  let last = (await tree.store.latestCheckpoint())?.size ?? 0;
  let stop = false;
  let emitted = 0;
  let emitMs = 0;
  process.on("message", () => {
    stop = true;
  });
  toParent({ ready: true });
  while (!stop) {
    const size = await tree.catchUp();
    if (size - last >= EVERY) {
      const t = performance.now();
      last = (await checkpoint.emitCheckpoint(tree, log, ORIGIN, {})).size;
      emitMs += performance.now() - t;
      emitted++;
    } else await new Promise((r) => setTimeout(r, 20));
  }
  toParent({ emitted, emitMs, last, size: tree.size });
  await tree.store.close();
  await events.close();
  process.disconnect();
}

runChild(main);
