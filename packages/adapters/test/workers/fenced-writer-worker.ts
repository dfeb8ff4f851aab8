/**
 * The second process of tenant-fence-postgres.test.ts: opens the tenant's tree store (and
 * its map store) on the given server and writes to it the way a tree follower, a
 * checkpoint emitter and a map writer do.
 * - `once` mode: tries each write once (a tree node, a new checkpoint, an overwritten
 *   checkpoint, a map version) and prints `result <json>` with each outcome's code.
 * - `race` mode: three writer loops (tree leaf by leaf, checkpoints, map versions) until
 *   the test kills the process; prints `ack <kind> <n>` after each acknowledged write and
 *   `refused <kind> <code> <fenced>` for each refusal.
 */
import { writeSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { mapPath } from "@daicho/core/map";
import { openPostgres } from "../../src/postgres/index";

const args = JSON.parse(process.argv[2] as string) as {
  url: string;
  tenant: string;
  mode: "once" | "race";
};
const db = await openPostgres({ connectionString: args.url, maxConnections: 6 });
const tree = db.treeStore(args.tenant);
const say = (line: string) => writeSync(1, `${line}\n`);

const leaf = (index: number) => ({ level: 0, index, hash: new Uint8Array(32).fill(index % 251) });
const checkpoint = (size: number) => ({
  size,
  note: `fence.test/ledger\n${size}\nAAAA\n\n— fence ${size}\n`,
  createdAt: "2026-12-02T00:00:00.000Z",
});
const mapWrite = (v: number) => [
  {
    path: mapPath(0, new Uint8Array(32)),
    record: {
      kind: "node" as const,
      left: new Uint8Array(32).fill(v % 256),
      right: new Uint8Array(32),
    },
  },
];

/** The outcome of one write: "ok", or its code and whether it says the copy is fenced. */
async function attempt(write: () => Promise<void>): Promise<string> {
  try {
    await write();
    return "ok";
  } catch (e) {
    if (!(e instanceof DaichoError)) return `untyped ${String(e)}`;
    return `${e.code} ${e.retryable === true ? "retryable" : "final"} ${e.details?.fenced === true ? "fenced" : "-"}`;
  }
}

if (args.mode === "once") {
  const size = await tree.size();
  const latest = (await tree.map.latestVersion()) ?? -1;
  const stored = await tree.latestCheckpoint();
  const result = {
    tree: await attempt(() => tree.append([leaf(size)], size, size + 1)),
    checkpoint: await attempt(() => tree.putCheckpoint(checkpoint(size))),
    checkpointOverwrite: await attempt(() =>
      tree.putCheckpoint({ ...(stored ?? checkpoint(0)), note: `${stored?.note ?? ""}\n— forged` }),
    ),
    map: await attempt(() => tree.map.putVersion(latest + 1, mapWrite(latest + 1))),
  };
  say(`result ${JSON.stringify(result)}`);
} else {
  const pause = () => new Promise((r) => setTimeout(r, 1));
  const loop = async (
    kind: string,
    next: () => Promise<number>,
    write: (n: number) => Promise<void>,
  ) => {
    for (;;) {
      const n = await next();
      const outcome = await attempt(() => write(n));
      if (outcome === "ok") say(`ack ${kind} ${n}`);
      else if (!outcome.startsWith("CONCURRENCY_CONFLICT")) say(`refused ${kind} ${outcome}`);
      if (outcome !== "ok") await pause();
    }
  };
  await Promise.all([
    loop(
      "tree",
      () => tree.size(),
      (n) => tree.append([leaf(n)], n, n + 1),
    ),
    loop(
      "checkpoint",
      async () => (await tree.latestCheckpoint())?.size ?? 0,
      (n) => tree.putCheckpoint(checkpoint(n + 1)),
    ),
    loop(
      "map",
      async () => ((await tree.map.latestVersion()) ?? -1) + 1,
      (v) => tree.map.putVersion(v, mapWrite(v)),
    ),
  ]);
}
await tree.close();
await db.close();
