import { type AlertKeyParts, alertKey } from "../views/alerts";
import type { Views } from "../views/view-set";

/** What the gate decided for one firing of a rule. */
export type GateVerdict =
  | { readonly raise: true; readonly repeatOf?: string; readonly suppressed?: number }
  | { readonly raise: false };

interface Last {
  /** The newest alert raised for the key. */
  alertId: string;
  /** The first alert of the chain of repeats (what people acknowledge and resolve). */
  root: string;
  at: number;
  suppressed: number;
}

/**
 * Cooldown and de-duplication for alerts (issue 14 item 10). Firings with the same key
 * (rule, actor, IP or destination) are one problem to a person: while the problem's alert
 * is unresolved, a new firing is kept quiet if it is acknowledged (someone is on it) or
 * if the newest alert for the key was raised less than `cooldownMs` before; after the
 * cooldown an unacknowledged problem is raised again as a repeat (`repeatOf` the first
 * alert, with the number kept quiet since). A resolution never silences the next firing:
 * it raises a new alert at once. Acknowledgements and resolutions come from the alerts
 * view, folded from the ledger; the newest alert per key comes from this gate or, after
 * a restart, from the view, so a restarted monitor does not re-alert an open problem.
 * `cooldownMs` 0 turns the gate off.
 */
export class AlertGate {
  private readonly last = new Map<string, Last>();

  constructor(
    private readonly cooldownMs: number,
    private readonly views: Views,
  ) {}

  /** Decide whether a firing at `at` (event time, epoch ms) raises an alert; remember it if so. */
  admit(parts: AlertKeyParts, alertId: string, at: number): GateVerdict {
    if (this.cooldownMs === 0) return { raise: true };
    const key = alertKey(parts);
    const last = this.last.get(key) ?? this.fromView(key);
    const alerts = this.views.alerts;
    const latest = last && alerts.alert(last.alertId);
    const root = last && alerts.alert(last.root);
    if (last === undefined || latest?.resolvedAt !== undefined || root?.resolvedAt !== undefined) {
      this.last.set(key, { alertId, root: alertId, at, suppressed: 0 });
      return { raise: true };
    }
    const acknowledged = latest?.acknowledgedAt !== undefined || root?.acknowledgedAt !== undefined;
    if (acknowledged || at < last.at + this.cooldownMs) {
      last.suppressed++;
      this.last.set(key, last);
      return { raise: false };
    }
    this.last.set(key, { alertId, root: last.root, at, suppressed: 0 });
    return { raise: true, repeatOf: last.root, suppressed: last.suppressed };
  }

  private fromView(key: string): Last | undefined {
    const seen = this.views.alerts.latestFor(key);
    if (seen === undefined) return undefined;
    return {
      alertId: seen.alertId,
      root: seen.repeatOf ?? seen.alertId,
      at: seen.raisedAt,
      suppressed: 0,
    };
  }
}
