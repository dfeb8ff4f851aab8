/**
 * Appends `count` events to a shared SQLite ledger, then emits a checkpoint whose map
 * store stops the process right after the map version is durable and before the
 * checkpoint is stored: it prints `map-written <version>` and waits to be killed.
 */
import { writeSync } from "node:fs";
import { openLedger } from "@daicho/core";
import { ed25519Signer, emitCheckpoint } from "@daicho/core/checkpoint";
import type { MapStore } from "@daicho/core/map";
import { catchUp } from "@daicho/core/merkle";
import { sampleInput } from "@daicho/core/testing";
import { sqliteStore } from "../../src/sqlite/index";
import { sqliteTreeStore } from "../../src/sqlite/tree-store";

const args = JSON.parse(process.argv[2] as string) as {
  path: string;
  ledgerId: string;
  from: number;
  count: number;
  seed: number;
};
const ledger = await openLedger({ store: sqliteStore(args.path), ledgerId: args.ledgerId });
await ledger.appendBatch(
  Array.from({ length: args.count }, (_, i) =>
    sampleInput(args.from + i, `c-${(args.from + i) % 17}`),
  ),
);
const tree = await catchUp(sqliteTreeStore(args.path), ledger.store);
const inner = tree.store.map as MapStore;
const stopping: MapStore = {
  kind: inner.kind,
  latestVersion: () => inner.latestVersion(),
  hasVersion: (v) => inner.hasVersion(v),
  readAsOf: (v, p) => inner.readAsOf(v, p),
  versions: () => inner.versions(),
  readVersion: (v) => inner.readVersion(v),
  recordCount: () => inner.recordCount(),
  close: () => inner.close(),
  async putVersion(v, writes) {
    await inner.putVersion(v, writes);
    writeSync(1, `map-written ${v}\n`);
    setInterval(() => undefined, 1000); // keep the process alive until it is killed
    await new Promise(() => undefined);
  },
};
const signer = ed25519Signer(args.ledgerId, new Uint8Array(32).fill(args.seed));
await emitCheckpoint(tree, signer, args.ledgerId, { map: stopping });
writeSync(1, "checkpoint-stored\n");
