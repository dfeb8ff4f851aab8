/**
 * @daicho/core/keys — per-subject data keys: the `KeyStore` seam (kept apart from the
 * event store), an in-memory store, the `KeyRing` (KEK check, wrapping, cache, rotation)
 * and the erasure fence read from the ledger.
 *
 * @module @daicho/core/keys
 */
export { KeyCache } from "./cache";
export {
  CATEGORIES_EVENT,
  type CategoryDeclaration,
  CategoryPolicy,
  categoryKeySubject,
  fieldCovers,
  holderSubject,
  keyIdCategory,
  newCategoryKeyId,
} from "./categories";
export {
  CATEGORY_FENCE_EVENT_TYPES,
  type ErasureFence,
  FENCE_EVENT_TYPES,
  ledgerFence,
} from "./fence";
export {
  assertRewrapFrom,
  assertSameKek,
  isTombstone,
  type KekCheck,
  type KeyResidue,
  type KeyStore,
  type KeyTombstone,
  type WrappedKeyRecord,
} from "./key-store";
export { memoryKeyStore } from "./memory";
export { KeyLease, KeyRing, type KeyRingOptions, newKeyId, openKeyRing } from "./ring";
