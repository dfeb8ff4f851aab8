/**
 * @daicho/core/extract — verifiable extracts (docs/spec.md §12.6): for one person or a
 * client's customers and one signed checkpoint, every event about each of them with proofs
 * that nothing is missing (the signed subject map, the per-subject back-links) and that each
 * is in the log; `verifyExtract` checks one offline with public keys only.
 *
 * @module @daicho/core/extract
 */
export { type ExtractOptions, exportExtract } from "./build";
export {
  decodeExtract,
  decodeExtractOrThrow,
  EXTRACT_FORMAT,
  ExtractEntry,
  ExtractEvent,
  ExtractSubject,
  formatExtract,
  MAX_EXTRACT_BODY,
  MAX_EXTRACT_BYTES,
  MAX_EXTRACT_EVENTS,
  MAX_EXTRACT_SUBJECTS,
  parseExtract,
  parseExtractOrThrow,
  SubjectExtract,
} from "./format";
export {
  type ExtractReport,
  type ExtractVerifyOptions,
  verifyDecodedExtract,
  verifyDecodedExtractOrThrow,
  verifyExtract,
  verifyExtractOrThrow,
} from "./verify";
