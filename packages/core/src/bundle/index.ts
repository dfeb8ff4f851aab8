/**
 * @daicho/core/bundle — audit bundles: a run of events, the checkpoints that cover them
 * and the proofs, in one file that `verifyBundle` checks offline with public keys only;
 * and proof files (one inclusion or consistency proof) that `verifyProofFile` checks.
 *
 * @module @daicho/core/bundle
 */
export { type ExportOptions, exportBundle } from "./export";
export {
  BUNDLE_FORMAT,
  Bundle,
  BundleEvent,
  ConsistencyEntry,
  MAX_BODY_CHARS,
  MAX_BUNDLE_EVENTS,
} from "./format";
export {
  CONSISTENCY_PROOF_FORMAT,
  ConsistencyProofFile,
  formatProofFile,
  INCLUSION_PROOF_FORMAT,
  InclusionProofFile,
  MAX_PROOF_FILE_BYTES,
  type ProofFile,
  parseProofFile,
  parseProofFileOrThrow,
} from "./proof-file";
export {
  type BundleReport,
  type BundleVerifyOptions,
  verifyBundle,
  verifyBundleOrThrow,
} from "./verify";
export {
  type ProofCheck,
  type ProofReport,
  verifyProofFile,
  verifyProofFileOrThrow,
} from "./verify-proof";
