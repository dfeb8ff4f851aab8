/**
 * @daicho/core/pseudonym — subject ids derived from natural keys (an e-mail address, a
 * phone number, a customer number) with a keyed hash (HMAC-SHA-256), so the natural key
 * itself never enters the append-only log. See docs/spec.md §2.3.1.
 *
 * @module @daicho/core/pseudonym
 */
export { type NaturalKey, type NormalisedKey, normaliseNaturalKey } from "./natural-key";
export {
  MIN_PSEUDONYM_KEY_BYTES,
  PSEUDONYM_PREFIX,
  PSEUDONYM_TAG,
  pseudonymId,
  pseudonymIdOrThrow,
  pseudonymMessage,
} from "./pseudonym";
