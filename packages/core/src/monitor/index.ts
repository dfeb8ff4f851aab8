/**
 * @daicho/core/monitor — rules over the live event stream that raise `alert.raised`
 * events and call host callbacks: mass export, out-of-hours access, repeated denials,
 * access by an offboarded actor, addresses outside the allow-list, unapproved destinations.
 *
 * @module @daicho/core/monitor
 */
export {
  type CompiledMonitorConfig,
  compileMonitorConfig,
  DEFAULT_SEVERITIES,
  decodeMonitorConfig,
  decodeMonitorConfigOrThrow,
  MonitorConfig,
  type MonitorConfigInput,
} from "./config";
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
