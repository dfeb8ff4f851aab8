/**
 * @daicho/core/policy — access decisions on in-memory views: `decide` (synchronous,
 * machine-readable reasons and obligations) and `decideAndRecord` (decides and appends
 * the `data.accessed` event, allowed or denied).
 *
 * @module @daicho/core/policy
 */

export { approveGrant } from "./approval";
export { approvalProblem, approvedAt, needsApproval } from "./approval-check";
export {
  type CompiledPolicy,
  compilePolicy,
  decodePolicyConfig,
  decodePolicyConfigOrThrow,
  PolicyConfig,
  type PolicyConfigInput,
  PurposeRule,
} from "./config";
export { type ContractReason, contractProblem } from "./contract-check";
export {
  type Decision,
  type DecisionRequest,
  decide,
  type Obligations,
  type RequestContext,
} from "./decide";
export { compileWorkingHours, type WorkingHours } from "./hours";
export { type CidrRange, ipInRanges, parseCidr, parseIp } from "./ip";
export { DENY_REASONS, type DenyReason, type Reason } from "./reasons";
export { AccessPolicy, accessEvent, decideAndRecord, type RecordedDecision } from "./record";
export {
  DecisionContextCodec,
  DecisionRequestCodec,
  decodeDecisionRequest,
  decodeDecisionRequestOrThrow,
} from "./request";
