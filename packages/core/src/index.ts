/**
 * @daicho/core — the compliance ledger's pure core and its async façade.
 * Subpath exports: `@daicho/core/testing` (the store conformance suite).
 *
 * @module @daicho/core
 */
export { canonicalize, canonicalizeOrThrow } from "./canonical";
export { type AwaitHeadOptions, awaitHead, type HeadSource } from "./caught-up";
export { buildBody, eventHash, type LinkContext, type SubjectHead, sealBody } from "./chain";
// Crypto-shredding (issue 4): the pieces a host needs beside `openLedger({ keys })`.
export type { Kek } from "./crypto/key-wrap";
export { isRedacted, type PersonalField, type Redacted } from "./crypto/redacted";
export { decodeWith, decodeWithOrThrow } from "./decode";
// Envelope version 2 (docs/spec.md §13): shown forms for extracts, and the part hashes.
export { type EnvelopeVersion, redactV2 } from "./envelope/v2-body";
export { partHashHex, subjectCommitHex, subjectPart } from "./envelope/v2-hash";
export {
  DaichoError,
  type DaichoErrorCode,
  type DaichoErrorOptions,
  daichoError,
  isDaichoError,
  ledgerMismatch,
} from "./errors";
export * from "./events/index";
export { genesisHash, HASH_TAGS, taggedHash } from "./hash";
export { uuidv7 } from "./ids";
export { serialised } from "./keyed-lock";
export type { KeyStore } from "./keys/key-store";
export { memoryKeyStore } from "./keys/memory";
export {
  type AppendListener,
  Ledger,
  type LedgerKeysOptions,
  type LedgerOptions,
  type OpenedEvent,
  openLedger,
  toLedgerEvent,
} from "./ledger";
export { orThrow } from "./plain";
export {
  LEDGER_EVENT_RESOURCE,
  openPersonalRecorded,
  type ReadAs,
  readOpenedRecorded,
} from "./recorded-reads";
export {
  assertContiguousBatch,
  assertTypeQuery,
  concurrencyConflict,
  mergeBySeq,
  sameHead,
} from "./store/checks";
export { memoryStore } from "./store/memory";
export { decodeStoredMeta, StoredLedgerMeta } from "./store/meta";
export type {
  AppendLimit,
  ChainHead,
  LedgerMeta,
  ReadRange,
  Store,
  StrayIndexRow,
  SubjectIndexCount,
} from "./store/store";
export { TYPE_QUERY_LIMITS, type TypeIndexCount } from "./store/store";
export { readByTypeVerified, typeEventsVerified } from "./type-events";
export {
  type ParsedBody,
  type VerifiedCopy,
  type VerifiedEventHook,
  type VerifyFailure,
  type VerifyFailureKind,
  type VerifyOptions,
  type VerifyReport,
  verifyEvents,
} from "./verify";
export {
  type IncrementalVerifyOptions,
  type IncrementalVerifyResult,
  type VerifiedHead,
  verifyFrom,
} from "./verify-from";
export { type StoreCheck, type StoreVerifyOptions, verifyStore } from "./verify-store";
