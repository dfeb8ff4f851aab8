/**
 * Alerts in the console: the list (all, or only the open ones) with each alert's handling,
 * one alert's detail, and acknowledge / resolve through the monitor's `acknowledgeAlert` /
 * `resolveAlert` — recorded as `alert.acknowledged` / `alert.resolved` events naming the
 * DPO. The handling state is the views' alerts fold, kept by the watch from verified
 * events; an action waits for any other console action on the same alert and decides on
 * the watch caught up to the head, so two clicks never record two acknowledgements.
 */
import { AlertResolution, DaichoError, Note, serialised, strictStruct } from "@daicho/core";
import { acknowledgeAlert, resolveAlert } from "@daicho/core/monitor";
import type * as t from "io-ts";
import type { LedgerContext } from "./context";
import type { ConsoleActor } from "./options";
import type { AlertRow } from "./watch";

export const AcknowledgeBody = strictStruct("AcknowledgeAlertBody", {}, { note: Note });
export const ResolveBody = strictStruct(
  "ResolveAlertBody",
  { resolution: AlertResolution },
  { note: Note },
);

/** An alert row with what people did with it. */
export type AlertWithHandling = AlertRow & {
  readonly open: boolean;
  readonly acknowledged?: { readonly by: string; readonly at: string };
  readonly resolved?: { readonly by: string; readonly at: string; readonly resolution: string };
};

function withHandling(ctx: LedgerContext, a: AlertRow): AlertWithHandling {
  const s = ctx.watch.alertStates.alert(a.alertId);
  const iso = (ms: number) => new Date(ms).toISOString();
  return {
    ...a,
    open: s?.resolvedAt === undefined && s?.acknowledgedAt === undefined,
    ...(s?.acknowledgedAt === undefined
      ? {}
      : { acknowledged: { by: s.acknowledgedBy ?? "", at: iso(s.acknowledgedAt) } }),
    ...(s?.resolvedAt === undefined
      ? {}
      : {
          resolved: {
            by: s.resolvedBy ?? "",
            at: iso(s.resolvedAt),
            resolution: s.resolution ?? "",
          },
        }),
  };
}

/**
 * The newest 500 alerts (`open=1`: only those nobody has acknowledged or resolved yet),
 * newest first, with the total raised.
 */
export async function listAlerts(ctx: LedgerContext, query: URLSearchParams) {
  const open = query.get("open");
  if (open !== null && open !== "1" && open !== "0")
    throw new DaichoError("DECODE_ERROR", "`open` is 1 or 0", { path: "open" });
  await ctx.watch.catchUp();
  const rows = [...ctx.watch.alerts]
    .reverse()
    .map((a) => withHandling(ctx, a))
    .filter((a) => open !== "1" || a.open);
  return { total: ctx.watch.alertTotal, alerts: rows.slice(0, 500) };
}

/** One alert with its detail and handling, or NOT_FOUND. */
export async function alertDetail(ctx: LedgerContext, alertId: string) {
  await ctx.watch.catchUp();
  const alert = ctx.watch.alerts.find((a) => a.alertId === alertId);
  if (alert === undefined) throw new DaichoError("NOT_FOUND", "no such alert", { path: "alertId" });
  return { alert: withHandling(ctx, alert) };
}

/** Acknowledge `alertId` as `actor` (refused when unknown, acknowledged or resolved). */
export function acknowledge(
  ctx: LedgerContext,
  actor: ConsoleActor,
  alertId: string,
  body: t.TypeOf<typeof AcknowledgeBody>,
) {
  return serialised(ctx.locks, `alert\u0000${alertId}`, async () => {
    await ctx.beforeChange();
    const event = await acknowledgeAlert(
      ctx.ledger,
      { alerts: ctx.watch.alertStates },
      { alertId, by: actor.id, ...(body.note === undefined ? {} : { note: body.note }) },
    );
    await ctx.watch.catchUp();
    return { acknowledged: { seq: event.seq, alertId } };
  });
}

/** Resolve `alertId` as `actor` with a resolution from the closed list. */
export function resolve(
  ctx: LedgerContext,
  actor: ConsoleActor,
  alertId: string,
  body: t.TypeOf<typeof ResolveBody>,
) {
  return serialised(ctx.locks, `alert\u0000${alertId}`, async () => {
    await ctx.beforeChange();
    const event = await resolveAlert(
      ctx.ledger,
      { alerts: ctx.watch.alertStates },
      {
        alertId,
        by: actor.id,
        resolution: body.resolution,
        ...(body.note === undefined ? {} : { note: body.note }),
      },
    );
    await ctx.watch.catchUp();
    return { resolved: { seq: event.seq, alertId, resolution: body.resolution } };
  });
}
