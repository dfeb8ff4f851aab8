import type { FlatSubjectMap } from "./flat-map";
import type { MapWrite } from "./record";

/**
 * `versionProblem` (see `version-check.ts`) against a `FlatSubjectMap`, fed the stored
 * records of one version page by page (`add`, in the store's order), without listing the
 * changed records or indexing the stored ones by path: each stored record is looked up in
 * the map by its position and noted on the node it stands at; `finish` then walks the
 * changed nodes in `changes()` order. Gives the same answer as
 * `versionProblem(map, checkChanged ? map.changes() : [], stored)` for the same map (a
 * property test holds them equal on tampered versions) and, like that call, unmarks every
 * changed node when `checkChanged`.
 */
export class VersionJudge {
  private later: string | undefined;

  constructor(
    private readonly map: FlatSubjectMap,
    private readonly checkChanged: boolean,
  ) {}

  /** The next stored records of the version. */
  add(stored: readonly MapWrite[]): void {
    for (const w of stored) {
      const ref = this.map.refAt(w.path);
      const equal = ref !== 0 && this.map.holds(ref, w.record);
      if (this.later === undefined && !equal)
        this.later =
          ref === 0
            ? "a record stands where the map has no node (planted)"
            : "a record differs from the map the events give (edited)";
      if (this.checkChanged && ref !== 0) this.map.note(ref, equal);
    }
  }

  /** The reason for the first problem, or undefined; call once, after the last `add`. */
  finish(): string | undefined {
    if (!this.checkChanged) return this.later;
    let first: string | undefined;
    // Walked to the end even past the first problem, so every mark is cleared (as
    // `changes()` clears them).
    this.map.visitChanged((ref) => {
      const noted = this.map.noted(ref);
      if (first === undefined && noted !== true)
        first =
          noted === undefined
            ? "a record the events require is missing (deleted or rolled back)"
            : "a record differs from the map the events give (edited)";
      return false;
    }, true);
    return first ?? this.later;
  }
}

/** `VersionJudge` over all of a version's records at once. */
export function flatVersionProblem(
  map: FlatSubjectMap,
  checkChanged: boolean,
  stored: readonly MapWrite[],
): string | undefined {
  const judge = new VersionJudge(map, checkChanged);
  judge.add(stored);
  return judge.finish();
}
