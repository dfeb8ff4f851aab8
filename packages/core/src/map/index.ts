/**
 * @daicho/core/map — the subject map (docs/spec.md §12): a compressed sparse Merkle tree
 * from each subject id to its latest state, whose root every checkpoint signs; map proofs
 * (membership and non-membership); the versioned `MapStore` seam adapters implement.
 *
 * @module @daicho/core/map
 */
export { MAP_LINE_PREFIX, mapLine, mapRootOf, mapRootOfOrThrow } from "./checkpoint-line";
export {
  EMPTY,
  KEY_BITS,
  keyBit,
  MAP_TAGS,
  type MapState,
  mapKey,
  mapLeaf,
  mapNode,
  mapValueHash,
} from "./hash";
export {
  forgetKept,
  KEPT_NODES,
  type KeptPlan,
  planKeptExtension,
  preloadKept,
} from "./kept";
export { memoryMapStore } from "./memory-store";
export { type MapProof, type MapProofEnd, verifyMapProof, verifyMapProofOrThrow } from "./proof";
export {
  compareBytes,
  MAP_PATH_MAX_BYTES,
  MAP_PATH_MIN_BYTES,
  type MapRecord,
  type MapWrite,
  mapPath,
  recordHash,
} from "./record";
export {
  decodeMapRecord,
  encodeMapRecord,
  encodeMapRecordInto,
  mapRecordLength,
  mapRecordLengthOf,
} from "./record-bytes";
export type { MapStore } from "./store";
export { checkVersionWrite } from "./store-checks";
export {
  extendStoredMap,
  loadInto,
  loadPaths,
  type MapVersion,
  planMapExtension,
  type SubjectDelta,
  SubjectDeltas,
  storedMapProofs,
  storedMapRoot,
} from "./stored";
export { SubjectMap } from "./subject-map";
export { sameRecord, versionProblem } from "./version-check";
