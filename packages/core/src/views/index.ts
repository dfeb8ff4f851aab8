/**
 * @daicho/core/views — projections of the ledger: actors, permissions, consent,
 * classification, provenance, restriction (GDPR Art. 18) and records, folded from events,
 * snapshotted without personal values, and kept live by a projection runner.
 *
 * @module @daicho/core/views
 */
export { type ActorEntry, type ActorStatus, ActorsView } from "./actors";
export { type AlertKeyParts, type AlertState, AlertsView, alertKey } from "./alerts";
export { type Approval, ApprovalsView } from "./approvals";
export {
  type ClassEntry,
  ClassificationView,
  LEVELS,
  levelRank,
  outsideScope,
  type ScopeRule,
} from "./classification";
export {
  type ConsentAnswer,
  type ConsentEntry,
  type ConsentEvidenceRef,
  type ConsentStatus,
  ConsentView,
} from "./consent";
export {
  type ContractState,
  type ContractStatus,
  ContractsView,
  type ContractVersion,
  versionState,
} from "./contracts";
export { DestinationsView } from "./destinations";
export { type DeviceEntry, DevicesView, type DeviceUse } from "./devices";
export { type Instant, instantMs, ms, subjectsOf, type ViewEvent } from "./event";
export { type Instruction, InstructionsView } from "./instructions";
export {
  type GrantEnd,
  type GrantRecord,
  grantEndReason,
  grantEndsAt,
  PermissionsView,
} from "./permissions";
export { PolicyTimeline } from "./policy-timeline";
export {
  type AppliedListener,
  Projector,
  type ProjectorOptions,
  type SnapshotRestore,
} from "./projector";
export { type ProvenanceEntry, ProvenanceView } from "./provenance";
export { type ErasureInfo, type RecordInfo, RecordsView } from "./records";
export { type RestrictionEntry, RestrictionView } from "./restriction";
export { type SessionState, SessionsView } from "./sessions";
export {
  decodeSnapshot,
  decodeSnapshotOrThrow,
  deriveSnapshotKey,
  encodeBinarySnapshot,
  encodeSnapshot,
  SNAPSHOT_BINARY_FORMAT,
  SNAPSHOT_FORMAT,
  SNAPSHOT_KEY_BYTES,
  type SnapshotAuth,
  type SnapshotHeader,
  type SnapshotTrust,
  snapshotHeader,
  snapshotHeaderOrThrow,
} from "./snapshot";
export { type Entry, entriesUntil, entryAt } from "./timeline";
export { Views, type ViewsPosition, type ViewsState } from "./view-set";
export { VolumeView, WINDOW_MINUTES } from "./volume";
