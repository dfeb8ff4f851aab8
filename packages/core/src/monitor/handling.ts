import { DaichoError } from "../errors";
import type { AlertResolution } from "../events/alert-handling";
import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import type { AlertState } from "../views/alerts";
import type { Views } from "../views/view-set";

/** Who acknowledges or resolves an alert, and when (default now). */
export interface AlertHandlingInput {
  readonly alertId: string;
  /** The person taking the action (an actor id). */
  readonly by: string;
  /** Free text for the file; a Note, so contact data is refused (docs/spec.md §2.3). */
  readonly note?: string;
  readonly at?: Date;
}

/**
 * Record that a person took charge of an alert (`alert.acknowledged`): repeats of the
 * problem stay quiet until it is resolved. Rejects with `NOT_FOUND` when the views know
 * no such alert and `INVALID_ARGUMENT` when it is already acknowledged or resolved —
 * nothing is written then — and with `DECODE_ERROR` for a bad id or note. `views` needs
 * only its alerts view folded (`{ alerts }`).
 */
export async function acknowledgeAlert(
  ledger: Ledger,
  views: Pick<Views, "alerts">,
  input: AlertHandlingInput,
): Promise<LedgerEvent> {
  const alert = openAlert(views, input.alertId);
  if (alert.acknowledgedAt !== undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "this alert is already acknowledged; resolve it when the problem is dealt with",
      { path: "alertId", details: { acknowledgedBy: alert.acknowledgedBy } },
    );
  }
  return ledger.append({
    type: "alert.acknowledged",
    actor: { id: input.by },
    occurredAt: (input.at ?? new Date()).toISOString(),
    payload: {
      alertId: input.alertId,
      acknowledgedBy: input.by,
      ...(input.note !== undefined ? { note: input.note } : {}),
    },
  });
}

/**
 * Record how an alert was closed (`alert.resolved`); the next firing of the same problem
 * raises a new alert at once. Rejects with `NOT_FOUND` for an unknown alert and
 * `INVALID_ARGUMENT` for one already resolved, writing nothing.
 */
export async function resolveAlert(
  ledger: Ledger,
  views: Pick<Views, "alerts">,
  input: AlertHandlingInput & { readonly resolution: AlertResolution },
): Promise<LedgerEvent> {
  openAlert(views, input.alertId);
  return ledger.append({
    type: "alert.resolved",
    actor: { id: input.by },
    occurredAt: (input.at ?? new Date()).toISOString(),
    payload: {
      alertId: input.alertId,
      resolvedBy: input.by,
      resolution: input.resolution,
      ...(input.note !== undefined ? { note: input.note } : {}),
    },
  });
}

function openAlert(views: Pick<Views, "alerts">, alertId: string): Readonly<AlertState> {
  const alert = typeof alertId === "string" ? views.alerts.alert(alertId) : undefined;
  if (alert === undefined) {
    throw new DaichoError(
      "NOT_FOUND",
      "no alert.raised with this alertId in the views: check the id, or wait until the views have folded the alert",
      { path: "alertId" },
    );
  }
  if (alert.resolvedAt !== undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "this alert is already resolved; a new occurrence raises a new alert",
      { path: "alertId", details: { resolvedBy: alert.resolvedBy, resolution: alert.resolution } },
    );
  }
  return alert;
}
