/**
 * @daicho/core/requests — every data-subject right (GDPR Arts. 15–18, 20, 21; CCPA/CPRA;
 * APPI Arts. 33–35) as one event-sourced request lifecycle with its regime's deadlines.
 * See docs/requests.md.
 *
 * @module @daicho/core/requests
 */
export {
  addBusinessDays,
  applyRule,
  type DeadlineRule,
  type DeadlineRules,
  endOfLocalDayAfter,
  localDate,
  REQUEST_DEADLINES,
  rulesFor,
  type StatutoryDates,
  statutoryDates,
  weekdayOf,
} from "./deadlines";
export {
  applyRequestEvent,
  type DataSubjectRequest,
  type EventRef,
  type RecipientNotice,
} from "./model";
export {
  csvCell,
  PORTABILITY_FORMAT,
  type PortabilityExport,
  type PortabilityFormat,
  portabilityExport,
} from "./portability";
export { type RecipientToNotify, recipientsToNotify } from "./recipients";
export {
  EVIDENCE_TYPES,
  groundFits,
  needsIdentity,
  REFUSAL_GROUNDS,
  type Regime,
  RIGHTS,
  type RightKind,
  regimeOf,
} from "./rights";
export {
  REQUEST_STATEMENT_FIELD,
  RequestsService,
  type RequestsServiceOptions,
  type RequestWithDeadline,
  requestsService,
} from "./service";
export { RequestsView } from "./view";
