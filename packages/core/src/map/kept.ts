import { bytesEqual } from "../merkle/hash";
import { mapKey } from "./hash";
import type { MapWrite } from "./record";
import type { MapStore } from "./store";
import { loadInto, type MapVersion, type SubjectDelta } from "./stored";
import { SubjectMap, stubNode } from "./subject-map";

/** Nodes a kept map may hold before it is pruned (`MapOptions.keptNodes` overrides it). */
export const KEPT_NODES = 1_000_000;

/**
 * The map of the latest version this process wrote to a store: every node it holds was
 * either computed here from verified events or read from the store and authenticated
 * against its parent up to a signed root, so it is not read or rehashed again.
 */
interface Kept {
  readonly version: number;
  readonly root: Uint8Array;
  readonly map: SubjectMap;
  /** Upper bound of the nodes loaded or written since the last prune. */
  readonly nodes: number;
}

/** Per map store (one per process and file or tenant): the map kept between checkpoints. */
const kept = new WeakMap<MapStore, Kept>();

/** A planned map version: what to write, and how to keep the map once the store holds it. */
export interface KeptPlan {
  readonly root: Uint8Array;
  readonly writes: MapWrite[];
  /** Records read from the store for this plan (0 when the kept map held every path). */
  readonly read: number;
  /** Call once `store` durably holds this plan as `version`: later plans start from it. */
  keep(version: number): void;
}

/**
 * `planMapExtension` with the map kept in memory between checkpoints. The kept map is
 * used only when it is the map of `base` (same version, same signed root) and the store's
 * latest version is still that one (no other process wrote a version since): otherwise it
 * is dropped and the paths are read and authenticated from the store as a new process
 * would. It is taken out before it is changed and put back by `keep` only, so a plan whose
 * version is never stored (the store threw, the process stopped) leaves nothing kept and
 * the next plan reads from the store. `limit`: nodes kept at most (0: keep nothing).
 */
export async function planKeptExtension(
  store: MapStore,
  base: MapVersion | undefined,
  deltas: ReadonlyMap<string, SubjectDelta>,
  limit: number = KEPT_NODES,
): Promise<KeptPlan> {
  const changed = [...deltas].map(([subject, d]) => ({ key: mapKey(subject), d }));
  let map: SubjectMap;
  let nodes = 0;
  let read = 0;
  if (base === undefined) {
    kept.delete(store);
    map = new SubjectMap();
  } else {
    ({ map, nodes } = await takeKept(store, base));
    read = await loadInto(
      store,
      base.version,
      map,
      changed.map((c) => c.key),
    );
  }
  for (const { key, d } of changed) {
    const old = map.get(key);
    map.set(key, { count: (old?.count ?? 0) + d.added, lastSeq: d.lastSeq, lastHash: d.lastHash });
  }
  const root = map.root();
  const writes = map.changes();
  nodes += read + writes.length;
  return {
    root,
    writes,
    read,
    keep(version) {
      if (limit <= 0) return;
      if (nodes > limit) {
        // Keep the top of the tree: 2^(depth+1) nodes at most, a quarter of the limit.
        const depth = Math.max(0, Math.floor(Math.log2(limit)) - 2);
        map.prune(depth);
        nodes = Math.min(nodes, 2 ** (depth + 1));
      }
      kept.set(store, { version, root, map, nodes });
    },
  };
}

/**
 * Load into the map kept for `store` the paths of `keys` as of `base` (authenticated as
 * `loadInto` does, against `base.root`), so later plans do not read them: a host warms
 * the kept map at start-up with the subjects it expects to touch. Nothing is kept when
 * `base` is not the store's latest version. Resolves with the records read. The root is
 * trusted for nothing: a plan uses the kept map only when its root is the one the
 * previous checkpoint signs, as authenticated by emission.
 */
export async function preloadKept(
  store: MapStore,
  base: MapVersion,
  keys: readonly Uint8Array[],
  limit: number = KEPT_NODES,
): Promise<number> {
  if (limit <= 0) {
    kept.delete(store);
    return 0;
  }
  const { map, nodes: held, latest } = await takeKept(store, base);
  if (!latest) return 0;
  const read = await loadInto(store, base.version, map, keys);
  const nodes = held + read;
  if (nodes <= limit) kept.set(store, { version: base.version, root: base.root, map, nodes });
  return read;
}

/**
 * Take the map kept for `store` out (nothing stays kept until a caller puts a map back).
 * It is usable only when it is the map of `base` (same version, same signed root) and the
 * store's latest version is still `base`'s (no other process wrote a version since);
 * otherwise a new map known only by `base.root` takes its place, read from the store as a
 * new process would.
 */
async function takeKept(
  store: MapStore,
  base: MapVersion,
): Promise<{ map: SubjectMap; nodes: number; latest: boolean }> {
  const held = kept.get(store);
  kept.delete(store);
  const latest = (await store.latestVersion()) === base.version;
  if (latest && held?.version === base.version && bytesEqual(held.root, base.root))
    return { map: held.map, nodes: held.nodes, latest };
  return { map: new SubjectMap(stubNode(base.root)), nodes: 0, latest };
}

/** Drop the map kept for `store` (the next plan reads its paths from the store). */
export function forgetKept(store: MapStore): void {
  kept.delete(store);
}
