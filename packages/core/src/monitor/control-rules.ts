import { bruteForceRule, credentialStuffingRule, firstSeenRule } from "./auth-rules";
import type { CompiledMonitorConfig } from "./config";
import type { Rule } from "./rules";
import { volumeApproachingRule } from "./volume-rule";

/** The issue 14 rules (authentication, volume) a configuration switches on. */
export function controlRulesFor(cfg: CompiledMonitorConfig): Rule[] {
  const rules: Rule[] = [];
  if (cfg.bruteForce) rules.push(bruteForceRule(cfg.bruteForce));
  if (cfg.credentialStuffing) rules.push(credentialStuffingRule(cfg.credentialStuffing));
  if (cfg.firstSeen === true) rules.push(firstSeenRule());
  if (cfg.volumeApproaching !== false) rules.push(volumeApproachingRule());
  return rules;
}
