/**
 * @daicho/core/bundle — audit bundles: a run of events, the checkpoints that cover them
 * and the proofs, in one file that `verifyBundle` checks offline with public keys only.
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
export { type BundleReport, type BundleVerifyOptions, verifyBundle } from "./verify";
