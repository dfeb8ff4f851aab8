import { DaichoError } from "../errors";
import { bytesEqual } from "../merkle/hash";
import { isEmptyHash, keyBit, type MapState, mapKey, samePrefix } from "./hash";
import type { MapProof } from "./proof";
import { type MapWrite, mapPath, recordHash } from "./record";
import type { MapStore } from "./store";
import {
  innerNode,
  leafNode,
  type StubOnPath,
  SubjectMap,
  stubNode,
  type Tree,
} from "./subject-map";

/** A version of the map and the root it must have (taken from a signed checkpoint). */
export interface MapVersion {
  readonly version: number;
  readonly root: Uint8Array;
}

/**
 * Load from `store`, as of `base.version`, every node on the paths of `keys` down to
 * where each path ends, each record **authenticated**: its hash must be the hash its
 * parent names, and the root's must be `base.root`. Everything off those paths stays a
 * stub known by its hash. One read per level (a batch for all keys). Rejects with
 * STORE_CORRUPT when a record is missing or does not hash to what its parent says (the
 * stored map was edited, or is not the map the checkpoint signed).
 */
export async function loadPaths(
  store: MapStore,
  base: MapVersion,
  keys: readonly Uint8Array[],
): Promise<SubjectMap> {
  const map = new SubjectMap(stubNode(base.root));
  await loadInto(store, base.version, map, keys);
  return map;
}

/**
 * Load into `map` (the map of `version`, parts of it stubs known by their hashes) the
 * records on the paths of `keys` wherever those paths reach a stub, authenticated as in
 * `loadPaths` against the stub's hash. Paths already loaded are not read again: a map
 * kept between checkpoints reads only what it does not hold. Resolves with the number of
 * records read.
 */
export async function loadInto(
  store: MapStore,
  version: number,
  map: SubjectMap,
  keys: readonly Uint8Array[],
): Promise<number> {
  let frontier = map.stubsOn(keys);
  let read = 0;
  while (frontier.length > 0) {
    const records = await store.readAsOf(
      version,
      frontier.map((f) => mapPath(f.depth, f.keys[0] as Uint8Array)),
    );
    read += frontier.length;
    const next: StubOnPath[] = [];
    frontier.forEach((f, i) => {
      const record = records[i];
      if (record === undefined || !bytesEqual(recordHash(record), f.expected)) {
        throw new DaichoError(
          "STORE_CORRUPT",
          `the stored subject map (version ${version}) does not match its signed root at depth ${f.depth}: run \`daicho verify\`; the map is rebuilt from the events when its store is emptied`,
          { details: { version, depth: f.depth } },
        );
      }
      if (record.kind === "leaf") {
        if (!samePrefix(record.key, f.keys[0] as Uint8Array, f.depth))
          throw new DaichoError("STORE_CORRUPT", "a stored map leaf is off its key's path");
        f.attach(leafNode(record.key, record.state, f.expected));
        return;
      }
      const node = innerNode(stubNode(record.left), stubNode(record.right), f.expected);
      f.attach(node);
      const sides: [Uint8Array[], Uint8Array[]] = [[], []];
      for (const k of f.keys) sides[keyBit(k, f.depth)].push(k);
      const children = [record.left, record.right] as const;
      for (const side of [0, 1] as const) {
        const expected = children[side];
        if (sides[side].length === 0 || isEmptyHash(expected)) continue;
        const attach = (t: Tree) => {
          if (side === 0) node.left = t;
          else node.right = t;
        };
        next.push({ depth: f.depth + 1, expected, keys: sides[side], attach });
      }
    });
    frontier = next;
  }
  return read;
}

/** What the events since a map version did to one subject. */
export interface SubjectDelta {
  /** Events about the subject among them. */
  added: number;
  lastSeq: number;
  lastHash: string;
}

/**
 * The per-subject changes made by a run of (verified) events, in order: feed each event's
 * `subjects` ids with its seq and hash.
 */
export class SubjectDeltas {
  readonly bySubject = new Map<string, SubjectDelta>();

  /** Record a verified body's `subjects` (entries without a string `id` name nobody). */
  addBody(subjects: unknown, seq: number, hash: string): void {
    if (!Array.isArray(subjects)) return;
    this.add(
      subjects.filter(
        (s): s is { id: string } =>
          typeof s === "object" && s !== null && typeof (s as { id?: unknown }).id === "string",
      ),
      seq,
      hash,
    );
  }

  add(subjects: readonly { readonly id: string }[], seq: number, hash: string): void {
    for (const s of subjects) {
      const d = this.bySubject.get(s.id);
      if (d === undefined) this.bySubject.set(s.id, { added: 1, lastSeq: seq, lastHash: hash });
      else {
        d.added++;
        d.lastSeq = seq;
        d.lastHash = hash;
      }
    }
  }
}

/**
 * The map of `base` (undefined: the empty map) with `deltas` applied: only the paths of the
 * changed subjects are read from `store` (authenticated, see `loadPaths`). Resolves with
 * the new root and the records to store as the next version; writes nothing.
 */
export async function planMapExtension(
  store: MapStore,
  base: MapVersion | undefined,
  deltas: ReadonlyMap<string, SubjectDelta>,
): Promise<{ readonly root: Uint8Array; readonly writes: MapWrite[] }> {
  const changed = [...deltas].map(([subject, d]) => ({ key: mapKey(subject), d }));
  const map =
    base === undefined
      ? new SubjectMap()
      : await loadPaths(
          store,
          base,
          changed.map((c) => c.key),
        );
  for (const { key, d } of changed) {
    const old = map.get(key);
    map.set(key, { count: (old?.count ?? 0) + d.added, lastSeq: d.lastSeq, lastHash: d.lastHash });
  }
  return { root: map.root(), writes: map.changes() };
}

/**
 * `planMapExtension`, then store the records as version `version`. Resolves with the new
 * root; rejects like `putVersion` (CONCURRENCY_CONFLICT when `version` is already stored).
 */
export async function extendStoredMap(
  store: MapStore,
  base: MapVersion | undefined,
  deltas: ReadonlyMap<string, SubjectDelta>,
  version: number,
): Promise<Uint8Array> {
  const { root, writes } = await planMapExtension(store, base, deltas);
  await store.putVersion(version, writes);
  return root;
}

/** The hash of the root record stored as of `version`, or undefined when there is none. */
export async function storedMapRoot(
  store: MapStore,
  version: number,
): Promise<Uint8Array | undefined> {
  const [record] = await store.readAsOf(version, [mapPath(0, new Uint8Array(32))]);
  return record === undefined ? undefined : recordHash(record);
}

/**
 * Map proofs for `subjects` as of `base` (a version whose root a checkpoint signs), read
 * from `store` with every record authenticated (`loadPaths`), in the order given.
 */
export async function storedMapProofs(
  store: MapStore,
  base: MapVersion,
  subjects: readonly string[],
): Promise<MapProof[]> {
  const keys = subjects.map(mapKey);
  const map = await loadPaths(store, base, keys);
  return keys.map((k) => map.prove(k));
}

/** The state a proof shows (membership), if any. */
export function proofState(proof: MapProof): MapState | undefined {
  return proof.end.kind === "member" ? proof.end.state : undefined;
}
