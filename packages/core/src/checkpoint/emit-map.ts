import * as E from "fp-ts/lib/Either.js";
import { DaichoError, isDaichoError } from "../errors";
import { mapRootOf } from "../map/checkpoint-line";
import { mapKey } from "../map/hash";
import { KEPT_NODES, planKeptExtension, preloadKept } from "../map/kept";
import { memoryMapStore } from "../map/memory-store";
import type { MapStore } from "../map/store";
import { type MapVersion, type SubjectDeltas, storedMapRoot } from "../map/stored";
import { bytesEqual } from "../merkle/hash";
import type { LedgerTree } from "../merkle/ledger-tree";
import { type Checkpoint, parseCheckpointOrThrow } from "./checkpoint";
import { parseNoteOrThrow } from "./note";

export { SubjectDeltas } from "../map/stored";

/** Where checkpoint emission keeps the subject map (spec §12.9). */
export interface MapOptions {
  /**
   * The ledger's map store (any `MapStore`). Left out, the tree store's own durable map
   * (`TreeStore.map`: SQLite and PostgreSQL keep one beside the tree) is used; a tree store
   * without one (memory, KurrentDB) gets an in-memory map kept per tree for the life of
   * the process: the first checkpoint a process emits then rebuilds the map from every
   * event, later ones extend it.
   */
  readonly map?: MapStore;
  /**
   * Map nodes kept in memory between checkpoints (default 1,000,000; 0 keeps none). The
   * kept map spares each checkpoint reading and re-authenticating the paths it changes;
   * it is dropped whenever the store's latest version is not the one it holds (another
   * process checkpointed), and pruned to its top levels beyond this many nodes.
   */
  readonly keptNodes?: number;
}

/** The map version emission continues from: the previous checkpoint's signed map. */
export type MapBase = MapVersion;

const fallbacks = new WeakMap<LedgerTree, MapStore>();

/** The map store emission uses for `tree`: the one passed, else the tree store's own, else a fallback. */
export function mapStoreFor(tree: LedgerTree, options: MapOptions): MapStore {
  if (options.map !== undefined) return options.map;
  if (tree.store.map !== undefined) return tree.store.map;
  let store = fallbacks.get(tree);
  if (store === undefined) {
    store = memoryMapStore();
    fallbacks.set(tree, store);
  }
  return store;
}

/**
 * The map to extend from: the version of the previous (authenticated) checkpoint with the
 * root its map line signs, when the store holds that version; undefined (rebuild from
 * every event) when the checkpoint predates the map or the store lacks the version.
 */
export async function mapBaseOf(
  tree: LedgerTree,
  options: MapOptions,
  prev: Checkpoint,
): Promise<MapBase | undefined> {
  const line = mapRootOf(prev);
  if (E.isLeft(line)) {
    throw new DaichoError(
      "CHECKPOINT_INVALID",
      `the latest stored checkpoint (size ${prev.size}) has a malformed subject-map line: ${line.left.reason}`,
    );
  }
  if (line.right === undefined) return undefined;
  const store = mapStoreFor(tree, options);
  if (!(await store.hasVersion(prev.size))) return undefined;
  return { version: prev.size, root: line.right };
}

/**
 * Compute the map at `size` from `base` and the subjects' `deltas`, store it as version
 * `size`, and resolve with its root. A version `size` already stored (a crash after the
 * map was written and before the checkpoint, or another process emitting the same size)
 * is accepted only when its root is the one computed here; a version beyond `size` is a
 * retryable CONCURRENCY_CONFLICT.
 */
export async function emitMap(
  tree: LedgerTree,
  options: MapOptions,
  base: MapBase | undefined,
  deltas: SubjectDeltas,
  size: number,
): Promise<Uint8Array> {
  const store = mapStoreFor(tree, options);
  const plan = await planKeptExtension(
    store,
    base,
    deltas.bySubject,
    options.keptNodes ?? KEPT_NODES,
  );
  const { root, writes } = plan;
  try {
    await store.putVersion(size, writes);
  } catch (e) {
    if (!isDaichoError(e, "CONCURRENCY_CONFLICT")) throw e;
    const latest = await store.latestVersion();
    if (latest !== size) throw e;
    const stored = (await storedMapRoot(store, size)) ?? new Uint8Array(32);
    if (!bytesEqual(stored, root)) {
      throw new DaichoError(
        "STORE_CORRUPT",
        `the stored subject map already has a version ${size} with another root: it was edited; run \`daicho verify\``,
      );
    }
  }
  plan.keep(size);
  return root;
}

/**
 * Warm the map kept between checkpoints with the paths of `subjects` as of the latest
 * stored checkpoint's map version (read from the store and authenticated against the
 * root that checkpoint's map line names), so the next emissions do not read them.
 * Resolves with the records read (0 when the store lacks that version or the checkpoint
 * has no map line). Emission uses what was loaded only when that root is the one it
 * authenticates by the checkpoint's signature.
 */
export async function preloadMap(
  tree: LedgerTree,
  options: MapOptions,
  subjects: readonly string[],
): Promise<number> {
  const latest = await tree.store.latestCheckpoint();
  if (latest === undefined) return 0;
  const checkpoint = parseCheckpointOrThrow(parseNoteOrThrow(latest.note).text);
  const base = await mapBaseOf(tree, options, checkpoint);
  if (base === undefined) return 0;
  return preloadKept(
    mapStoreFor(tree, options),
    base,
    subjects.map(mapKey),
    options.keptNodes ?? KEPT_NODES,
  );
}
