/**
 * @daicho/core/erasure — erasure requests with legal deadlines, legal holds, retention
 * policies and schedule, crypto-shredding behind the erasure fence, signed certificates.
 * See docs/erasure.md.
 *
 * @module @daicho/core/erasure
 */

export {
  type CategoryErasureOutcome,
  executeCategoryErasure,
  type OutcomeWith,
} from "./category";
export {
  CATEGORY_CERTIFICATE_TAG,
  CategoryCertificateBody,
  CategoryErasureCertificate,
  categoryCertificateMessage,
  signCategoryCertificate,
  type VerifiedErasureCertificate,
  verifyCategoryCertificate,
  verifyCategoryCertificateOrThrow,
  verifyErasureCertificate,
  verifyErasureCertificateOrThrow,
} from "./category-certificate";
export {
  CERTIFICATE_TAG,
  CertificateBody,
  certificateMessage,
  ErasureCertificate,
  signCertificate,
  verifyCertificate,
  verifyCertificateOrThrow,
} from "./certificate";
export { addPeriod, ERASURE_DEADLINES, type ErasureRegime } from "./deadlines";
export {
  APPI_PROVISION_RECORDS,
  activeCategoryObligation,
  activeObligation,
  type RetentionObligation,
} from "./obligations";
export { policyCovers, type RetentionDue, retentionDue, triggerTime } from "./retention";
export {
  type ErasureOutcome,
  ErasureService,
  type ErasureServiceOptions,
  ErasureStatement,
  erasureService,
  type OpenRequest,
  STATEMENT_FIELD,
} from "./service";
export { ed25519Signer, ed25519Verify, type Signer } from "./signer";
export {
  type ActiveHold,
  type CategoryFacts,
  type CategoryFence,
  foldSubjectState,
  type SubjectErasureState,
} from "./subject-state";
export {
  ERASURE_REQUEST_TYPES,
  type ErasureRequestStatus,
  ErasureView,
  type RetentionPolicy,
  type SubjectRetentionFacts,
} from "./view";
