import type { LedgerEvent } from "../events/envelope";
import type { EventInput } from "../events/input";
import type { Ledger } from "../ledger";
import type { Projector } from "../views/projector";
import type { Views } from "../views/view-set";
import { AlertGate } from "./alert-gate";
import type { CompiledMonitorConfig } from "./config";
import { controlRulesFor } from "./control-rules";
import { type Alert, type Rule, rulesFor } from "./rules";

export interface MonitorOptions {
  /** Thresholds, from `decodeMonitorConfig` or `compileMonitorConfig`. */
  readonly config: CompiledMonitorConfig;
  /** Views for rules that need state (offboarded actors). */
  readonly views: Views;
  /** Where `alert.raised` events are written; omit to only call `onAlert`. */
  readonly ledger?: Ledger;
  /** Host callback, called synchronously for each alert, before it is written. */
  readonly onAlert?: (alert: Alert) => void;
  /** Where callback and append failures go (default console.error). */
  readonly onError?: (e: unknown) => void;
}

/**
 * Rules over the live event stream (SOC 2 CC7.2: anomalies, unauthorised actions of
 * authorised staff, stolen credentials). Each alert calls the host's `onAlert` and is
 * appended as an `alert.raised` event by the monitor's own actor; the monitor ignores
 * alert events and its own events, so an alert never triggers another. Repeats of an
 * open problem are kept quiet for `cooldownMs` and while it is acknowledged (see
 * {@link AlertGate}), so a person gets one alert per problem, not one per attempt.
 */
export class Monitor {
  private readonly rules: Rule[];
  readonly config: CompiledMonitorConfig;
  private readonly onError: (e: unknown) => void;
  private pending: Promise<unknown> = Promise.resolve();
  private readonly gate: AlertGate;

  constructor(private readonly options: MonitorOptions) {
    this.config = options.config;
    this.rules = [...rulesFor(this.config), ...controlRulesFor(this.config)];
    this.gate = new AlertGate(this.config.cooldownMs, options.views);
    this.onError = options.onError ?? ((e) => console.error("daicho: monitor:", e));
  }

  /**
   * Feed events (in sequence order) to every rule; returns the alerts raised. Alerts are
   * handed to `onAlert` synchronously and written to the ledger in one batch, in the
   * background (await {@link Monitor.flush} to wait for the write).
   */
  observe(events: readonly LedgerEvent[]): Alert[] {
    const alerts: Alert[] = [];
    for (const event of events) {
      if (event.type === "alert.raised" || event.actor.id === this.config.monitorActor) continue;
      for (const rule of this.rules) {
        const draft = rule.observe(event, this.options.views);
        if (draft === undefined) continue;
        const alertId = `${draft.rule}:${event.id}`;
        // Cooldown and de-duplication: one open problem, one alert (issue 14 item 10).
        const verdict = this.gate.admit(draft, alertId, draft.at);
        if (!verdict.raise) continue;
        const alert: Alert = {
          ...draft,
          alertId,
          severity: this.config.severities[draft.rule] ?? "warning",
          ...(verdict.repeatOf !== undefined
            ? { repeatOf: verdict.repeatOf, suppressed: verdict.suppressed ?? 0 }
            : {}),
        };
        alerts.push(alert);
        try {
          this.options.onAlert?.(alert);
        } catch (e) {
          this.onError(e);
        }
      }
    }
    if (alerts.length > 0 && this.options.ledger !== undefined) {
      const ledger = this.options.ledger;
      const inputs = alerts.map((a) => this.alertEvent(a));
      this.pending = this.pending.then(() => ledger.appendBatch(inputs)).catch(this.onError);
    }
    return alerts;
  }

  /** Follow a projector: each batch is observed after the views have folded it in. */
  attach(projector: Projector): () => void {
    return projector.onApplied((events) => {
      this.observe(events);
    });
  }

  /** Resolves once every alert raised so far has been written (or its failure reported). */
  flush(): Promise<void> {
    return this.pending.then(() => undefined);
  }

  private alertEvent(a: Alert): EventInput<"alert.raised"> {
    const payload: Record<string, unknown> = {
      alertId: a.alertId.slice(0, 128),
      rule: a.rule,
      severity: a.severity,
      actorId: a.actorId,
      triggeredBy: a.triggeredBy,
    };
    if (a.count !== undefined) payload.count = a.count;
    if (a.threshold !== undefined) payload.threshold = a.threshold;
    if (a.windowMs !== undefined) payload.windowMs = a.windowMs;
    if (a.ip !== undefined) payload.ip = a.ip;
    if (a.destination !== undefined) payload.destination = a.destination;
    if (a.detail !== undefined) payload.detail = a.detail;
    if (a.repeatOf !== undefined) payload.repeatOf = a.repeatOf.slice(0, 128);
    if (a.suppressed !== undefined) payload.suppressed = a.suppressed;
    return {
      type: "alert.raised",
      actor: { id: this.config.monitorActor },
      occurredAt: new Date(a.at).toISOString(),
      payload,
    } as EventInput<"alert.raised">;
  }
}
