import * as E from "fp-ts/lib/Either.js";
import { isDaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import { mapRootOf } from "../map/checkpoint-line";
import { FlatSubjectMap } from "../map/flat-map";
import { VersionJudge } from "../map/flat-version-check";
import { mapKey } from "../map/hash";
import type { MapWrite } from "../map/record";
import type { MapStore } from "../map/store";
import { bytesEqual } from "../merkle/hash";
import type { TreeStore } from "../merkle/tree-store";
import type { ParsedBody, VerifiedCopy, VerifyFailure } from "../verify";
import type { StoreCheck } from "../verify-store";
import { parseCheckpoint } from "./checkpoint";
import { parseNote } from "./note";
import { allCheckpoints } from "./verify-tree";

export interface MapCheckOptions {
  /**
   * The ledger's map store (default: the tree store's own, `TreeStore.map`): every
   * stored version must be, record for record, the map the events give at its size.
   * Without one only the checkpoints' map lines are checked.
   */
  readonly map?: MapStore;
}

interface Expected {
  readonly size: number;
  readonly root: Uint8Array;
}

/**
 * A `StoreCheck` for the subject map (spec §12.3): while the events are verified, keep
 * the map in memory (one leaf per subject, as the link check keeps one entry per
 * subject; typed arrays, `FlatSubjectMap`, about 175 bytes a subject) and, at the size
 * of every stored checkpoint that carries a map line, compare the recomputed root with
 * the signed one (`checkpoint-mismatch` at its size). A malformed
 * or repeated map line is a mismatch too; checkpoints without one (signed before §12)
 * are accepted. With a map store (`options.map`, else the tree store's own), every stored
 * version *v* must hold exactly the records that make its view "as of v" the map of
 * events `0 … v−1` — none missing, edited or planted, none under a version it does not
 * list, none beyond the verified events (`map-mismatch` at *v*, see `versionProblem`).
 */
export async function mapCheck(
  tree: TreeStore,
  options: MapCheckOptions = {},
): Promise<StoreCheck> {
  const expected: Expected[] = [];
  let problem: VerifyFailure | undefined;
  for (const stored of await allCheckpoints(tree)) {
    const note = parseNote(stored.note);
    const body = E.isLeft(note) ? undefined : parseCheckpoint(note.right.text);
    if (body === undefined || E.isLeft(body)) continue; // treeCheck reports unparsable checkpoints
    const line = mapRootOf(body.right);
    if (E.isLeft(line)) {
      problem ??= mismatch(
        stored.size,
        `the stored checkpoint at size ${stored.size} has a malformed or repeated subject-map line`,
      );
      continue;
    }
    if (line.right !== undefined) expected.push({ size: body.right.size, root: line.right });
  }
  expected.sort((a, b) => a.size - b.size);
  const covers: VerifiedCopy[] = ["subject-map"];
  const store = options.map ?? tree.map;
  if (store !== undefined) covers.push("map-store");
  const versions = store === undefined ? [] : await store.versions();
  let nextVersion = 0;
  let recordsChecked = 0;
  const map = new FlatSubjectMap();
  let next = 0;
  let applied = 0;
  const compare = (): VerifyFailure | undefined => {
    for (; next < expected.length && (expected[next] as Expected).size <= applied; next++) {
      const cp = expected[next] as Expected;
      if (cp.size < applied) continue;
      if (!bytesEqual(cp.root, map.root())) {
        return mismatch(
          cp.size,
          `the stored checkpoint at size ${cp.size} signs a subject-map root the events do not give: the map omits, adds or alters a subject's events`,
        );
      }
    }
    return undefined;
  };
  /** Check every stored map version of size ≤ applied (the map is M(applied) now). */
  const checkVersions = async (): Promise<VerifyFailure | undefined> => {
    for (; nextVersion < versions.length; nextVersion++) {
      const v = versions[nextVersion] as number;
      if (v > applied) return undefined;
      const judge = new VersionJudge(map, v === applied);
      try {
        recordsChecked += await readVersion(store as MapStore, v, (page) => judge.add(page));
      } catch (e) {
        if (isDaichoError(e, "STORE_CORRUPT")) return storeMismatch(v, "a record is malformed");
        throw e;
      }
      const why = judge.finish();
      if (v < applied || why !== undefined)
        return storeMismatch(v, why ?? "the version is not at a size the events reach in order");
    }
    return undefined;
  };
  return {
    covers,
    async onVerified(stored: StoredEvent, body: ParsedBody) {
      if (problem !== undefined) return problem;
      const f = compare() ?? (await checkVersions());
      if (f !== undefined) return f;
      for (const s of body.subjects) {
        const key = mapKey(s.id);
        map.set(key, map.count(key) + 1, stored.seq, stored.hash);
      }
      applied = stored.seq + 1;
      return undefined;
    },
    async finish() {
      if (problem !== undefined) return problem;
      const f = compare() ?? (await checkVersions());
      if (f !== undefined || store === undefined) return f;
      const beyond = versions[nextVersion];
      if (beyond !== undefined)
        return storeMismatch(beyond, "the version lies beyond the verified events");
      const total = await store.recordCount();
      if (total !== recordsChecked)
        return storeMismatch(
          applied,
          `${total - recordsChecked} record(s) are stored under no version the store lists (planted)`,
        );
      return undefined;
    },
  };
}

/** Records read per page of a stored map version (when the store reads in pages). */
const VERSION_PAGE = 4096;

/** Hand every record of `version` to `onPage`, a page at a time where the store can. */
async function readVersion(
  store: MapStore,
  version: number,
  onPage: (page: readonly MapWrite[]) => void,
): Promise<number> {
  if (store.readVersionPage === undefined) {
    const all = await store.readVersion(version);
    onPage(all);
    return all.length;
  }
  let read = 0;
  let after: Uint8Array | undefined;
  for (;;) {
    const page = await store.readVersionPage(version, after, VERSION_PAGE);
    onPage(page);
    read += page.length;
    const last = page[page.length - 1];
    if (last === undefined || page.length < VERSION_PAGE) return read;
    after = last.path;
  }
}

function storeMismatch(version: number, why: string): VerifyFailure {
  return {
    seq: version,
    kind: "map-mismatch",
    reason: `the stored subject map, version ${version}, is not the map the events give: ${why}; it is derived data — empty the map tables and the next checkpoint rebuilds it`,
  };
}

function mismatch(size: number, reason: string): VerifyFailure {
  return { seq: size, kind: "checkpoint-mismatch", reason };
}
