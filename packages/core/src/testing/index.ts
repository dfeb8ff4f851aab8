/**
 * @daicho/core/testing — what adapters need to prove they behave: the shared store
 * conformance suite and event fixtures. Depends on vitest (an optional peer).
 *
 * @module @daicho/core/testing
 */

export { extractPdfText } from "../pdf/extract";
export { checkPdfStructure, type PdfStructure } from "../pdf/structure";
export { accessInput, personalInput, sampleInput, sampleInputs } from "./fixtures";
export {
  type ScannedBytes,
  unwrappingRanges,
  type WrappedKeyBinding,
} from "./key-residue";
export {
  type KeyStoreFactory,
  type KeyStoreHandle,
  keyStoreConformance,
} from "./key-store-conformance";
export {
  type KurrentServerControl,
  type KurrentStoreHandle,
  kurrentStoreConformance,
} from "./kurrentdb-conformance";
export { rebuiltMapRoot } from "./map-reference";
export {
  type MapStoreFactory,
  type MapStoreHandle,
  mapStoreConformance,
} from "./map-store-conformance";
export { overrideStore } from "./override-store";
export { type StoreFactory, storeConformance } from "./store-conformance";
export {
  type TreeStoreFactory,
  type TreeStoreHandle,
  treeStoreConformance,
} from "./tree-store-conformance";
export { typeIndexConformance } from "./type-index-conformance";
