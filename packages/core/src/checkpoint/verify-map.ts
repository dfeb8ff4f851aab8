import * as E from "fp-ts/lib/Either.js";
import type { StoredEvent } from "../events/envelope";
import { mapRootOf } from "../map/checkpoint-line";
import { EMPTY, mapKey } from "../map/hash";
import type { MapStore } from "../map/store";
import { storedMapRoot } from "../map/stored";
import { SubjectMap } from "../map/subject-map";
import { bytesEqual } from "../merkle/hash";
import type { TreeStore } from "../merkle/tree-store";
import type { ParsedBody, VerifiedCopy, VerifyFailure } from "../verify";
import type { StoreCheck } from "../verify-store";
import { parseCheckpoint } from "./checkpoint";
import { parseNote } from "./note";
import { allCheckpoints } from "./verify-tree";

export interface MapCheckOptions {
  /**
   * The ledger's map store: every stored version a checkpoint names must have that
   * checkpoint's map root. Without it only the checkpoints' map lines are checked.
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
 * subject) and, at the size of every stored checkpoint that carries a map line, compare
 * the recomputed root with the signed one (`checkpoint-mismatch` at its size). A malformed
 * or repeated map line is a mismatch too; checkpoints without one (signed before §12)
 * are accepted. With `options.map`, each stored map version such a checkpoint names must
 * have its root (`map-mismatch`).
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
  if (options.map !== undefined) covers.push("map-store");
  const map = new SubjectMap();
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
  return {
    covers,
    onVerified(stored: StoredEvent, body: ParsedBody) {
      if (problem !== undefined) return problem;
      const f = compare();
      if (f !== undefined) return f;
      for (const s of body.subjects) {
        const key = mapKey(s.id);
        const count = (map.get(key)?.count ?? 0) + 1;
        map.set(key, { count, lastSeq: stored.seq, lastHash: stored.hash });
      }
      applied = stored.seq + 1;
      return undefined;
    },
    async finish() {
      if (problem !== undefined) return problem;
      const f = compare();
      if (f !== undefined) return f;
      if (options.map === undefined) return undefined;
      for (const cp of expected) {
        if (!(await options.map.hasVersion(cp.size))) continue;
        const stored = (await storedMapRoot(options.map, cp.size)) ?? EMPTY;
        if (!bytesEqual(stored, cp.root)) {
          return {
            seq: cp.size,
            kind: "map-mismatch",
            reason: `the stored subject-map version ${cp.size} does not have the root its checkpoint signs: map records were edited`,
          };
        }
      }
      return undefined;
    },
  };
}

function mismatch(size: number, reason: string): VerifyFailure {
  return { seq: size, kind: "checkpoint-mismatch", reason };
}
