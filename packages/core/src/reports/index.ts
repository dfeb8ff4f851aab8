/**
 * @daicho/core/reports — records derived from events: APPI third-party provision and
 * entrustment records, GDPR Art. 30 records of processing, per-actor access history, and
 * the one table of regulatory numbers (deadlines, thresholds, retention).
 *
 * @module @daicho/core/reports
 */
export {
  type AccessReview,
  accessReview,
  type ReviewedGrant,
  type StrictlyConfidentialItem,
} from "./access-review";
export { type CrossBorder, crossBorder } from "./cross-border";
export { type ActorAction, actorAction, actorHistory } from "./history";
export { type OffboardingDevice, type OffboardingReport, offboardingReport } from "./offboarding";
export { type ProcessingActivity, recordsOfProcessing } from "./processing";
export {
  type EntrustmentRecord,
  type ProvisionRecord,
  type ProvisionReport,
  provisionRecords,
} from "./provision";
export { type ReceiptRecord, receiptRecords } from "./receipt";
export {
  addDays,
  addYears,
  DEFAULT_REGULATIONS,
  type RegulationOverrides,
  type Regulations,
  regulations,
} from "./regulations";
export { type EventSource, inWindow, type Window } from "./source";
export {
  type SupervisedAction,
  type SupervisedGrant,
  type SupervisionReport,
  supervisionReports,
} from "./supervision";
