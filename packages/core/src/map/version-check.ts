import { bytesToHex } from "../hash";
import { bytesEqual } from "../merkle/hash";
import type { MapRecord, MapWrite } from "./record";
import type { SubjectMap } from "./subject-map";

/** Two records equal field by field. */
export function sameRecord(a: MapRecord, b: MapRecord): boolean {
  if (a.kind === "node" && b.kind === "node")
    return bytesEqual(a.left, b.left) && bytesEqual(a.right, b.right);
  if (a.kind === "leaf" && b.kind === "leaf")
    return (
      bytesEqual(a.key, b.key) &&
      a.state.count === b.state.count &&
      a.state.lastSeq === b.state.lastSeq &&
      a.state.lastHash === b.state.lastHash
    );
  return false;
}

/**
 * Judge the records a store holds as exactly one version `v` against `map` = M(v)
 * recomputed from verified events, where `changed` is what changed in M since the
 * previous stored version (`map.changes()`; everything for the first). A store's view "as
 * of v" is M(v) exactly when, inductively, (a) every changed position has a record at v
 * (else a read as of v would fall back to an older record: a deleted or rolled-back row),
 * and (b) every record at v equals M(v) at its position (an edited or planted row; a
 * rebuild may rewrite unchanged positions, which is fine when they are equal). Positions
 * only ever gain nodes (no subject leaves the map), so no older record can stand at a
 * position M(v) lacks. Returns a reason for the first problem, or undefined.
 */
export function versionProblem(
  map: SubjectMap,
  changed: readonly MapWrite[],
  stored: readonly MapWrite[],
): string | undefined {
  const byPath = new Map<string, MapRecord>();
  for (const w of stored) byPath.set(bytesToHex(w.path), w.record);
  for (const w of changed) {
    const r = byPath.get(bytesToHex(w.path));
    if (r === undefined) return "a record the events require is missing (deleted or rolled back)";
    if (!sameRecord(r, w.record)) return "a record differs from the map the events give (edited)";
  }
  for (const w of stored) {
    const expected = map.recordAt(w.path);
    if (expected === undefined) return "a record stands where the map has no node (planted)";
    if (!sameRecord(expected, w.record))
      return "a record differs from the map the events give (edited)";
  }
  return undefined;
}
