/**
 * @daicho/core/monitor — rules over the live event stream that raise `alert.raised`
 * events and call host callbacks: mass export, out-of-hours access, repeated denials,
 * access by an offboarded actor, addresses outside the allow-list, unapproved destinations;
 * with cooldown and de-duplication, and acknowledgement and resolution as events.
 *
 * @module @daicho/core/monitor
 */

export { AlertGate, type GateVerdict } from "./alert-gate";
export { bruteForceRule, credentialStuffingRule, firstSeenRule } from "./auth-rules";
export {
  type CompiledMonitorConfig,
  compileMonitorConfig,
  DEFAULT_COOLDOWN_MS,
  DEFAULT_SEVERITIES,
  decodeMonitorConfig,
  decodeMonitorConfigOrThrow,
  MonitorConfig,
  type MonitorConfigInput,
} from "./config";
export { controlRulesFor } from "./control-rules";
export { type AlertHandlingInput, acknowledgeAlert, resolveAlert } from "./handling";
export { Monitor, type MonitorOptions } from "./monitor";
export {
  ACCESS_TYPES,
  type Alert,
  destinationRule,
  ipAllowListRule,
  massExportRule,
  offboardedActorRule,
  outOfHoursRule,
  type Rule,
  repeatedDenialsRule,
  rulesFor,
} from "./rules";
export { volumeApproachingRule } from "./volume-rule";
