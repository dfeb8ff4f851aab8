import type { FlatSubjectMap } from "./flat-map";
import type { MapWrite } from "./record";

/**
 * `versionProblem` (see `version-check.ts`) against a `FlatSubjectMap`, without listing
 * the changed records or indexing the stored ones by path: each stored record is looked
 * up in the map by its position and noted on the node it stands at, then the changed
 * nodes are walked in `changes()` order. Gives the same answer as
 * `versionProblem(map, checkChanged ? map.changes() : [], stored)` for the same map (a
 * property test holds them equal on tampered versions), and like that call, unmarks every
 * changed node when `checkChanged`.
 */
export function flatVersionProblem(
  map: FlatSubjectMap,
  checkChanged: boolean,
  stored: readonly MapWrite[],
): string | undefined {
  let later: string | undefined;
  for (const w of stored) {
    const ref = map.refAt(w.path);
    const equal = ref !== 0 && map.holds(ref, w.record);
    if (later === undefined && !equal)
      later =
        ref === 0
          ? "a record stands where the map has no node (planted)"
          : "a record differs from the map the events give (edited)";
    if (checkChanged && ref !== 0) map.note(ref, equal);
  }
  if (checkChanged) {
    let first: string | undefined;
    // Walked to the end even past the first problem, so every mark is cleared (as
    // `changes()` clears them).
    map.visitChanged((ref) => {
      const noted = map.noted(ref);
      if (first === undefined && noted !== true)
        first =
          noted === undefined
            ? "a record the events require is missing (deleted or rolled back)"
            : "a record differs from the map the events give (edited)";
      return false;
    }, true);
    if (first !== undefined) return first;
  }
  return later;
}
