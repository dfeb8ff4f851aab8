/**
 * @daicho/core/subject-access — `subjectAccess(ledger, subject)`: the documented JSON
 * answer to access and portability requests (GDPR Art. 15/20, APPI Art. 33).
 *
 * @module @daicho/core/subject-access
 */
export { type SubjectAccessOptions, subjectAccess } from "./access";
export {
  type ActivityEntry,
  type ConsentEntry,
  type PersonalDataEntry,
  SUBJECT_ACCESS_FORMAT,
  type SubjectAccessReport,
} from "./report";
export {
  ACCESS_LABELS,
  type AccessReportCheck,
  VERIFIABLE_ACCESS_FORMAT,
  type VerifiableAccessOptions,
  type VerifiableAccessReport,
  verifiableSubjectAccess,
  verifyAccessReport,
  verifyAccessReportOrThrow,
} from "./verifiable";
