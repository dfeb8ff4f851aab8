/**
 * @daicho/core/crypto — sealing personal values and wrapping data keys (pure; no I/O).
 * Formats: docs/spec.md, "Personal data: sealing and crypto-shredding".
 *
 * @module @daicho/core/crypto
 */
export { framed, fromBase64Url, toBase64Url } from "./encoding";
export {
  FIELD_AD_TAG,
  FIELD_ALG,
  type FieldBinding,
  fieldAssociatedData,
  MAX_VALUE_BYTES,
  openValue,
  openValueOrThrow,
  PAD_BLOCK,
  padValue,
  type SealedValue,
  sealValue,
  unpadValue,
} from "./field-seal";
export { keepLast, keepYear } from "./keep";
export {
  assertKek,
  DATA_KEY_BYTES,
  KEK_CHECK_TAG,
  type Kek,
  kekCheckValue,
  kekMatches,
  unwrapDataKey,
  unwrapDataKeyOrThrow,
  WRAP_AD_TAG,
  WRAP_VERSION,
  WRAPPED_BYTES,
  type WrapBinding,
  wrapDataKey,
} from "./key-wrap";
export {
  type DataKeySource,
  openPersonal,
  type PersonalValueInput,
  sealPersonal,
} from "./personal";
export { isRedacted, type PersonalField, type Redacted, redacted } from "./redacted";
