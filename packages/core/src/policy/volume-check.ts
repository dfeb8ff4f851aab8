import type { PayloadOf, VolumeMetric, VolumeWindow } from "../events/catalogue";
import type { LedgerEvent } from "../events/envelope";
import { ms } from "../views/event";
import { WINDOW_MINUTES } from "../views/volume";
import type { DenyReason } from "./reasons";

type VolumeLimits = PayloadOf<"volume.limits-set">["limits"];
type VolumeReason = Extract<DenyReason, "read-volume-exceeded" | "export-volume-exceeded">;

const MINUTE = 60_000;

/** The metric an action counts against: `read` as read, `export` and `share` as exported. */
export function countedMetric(action: string | undefined): VolumeMetric | undefined {
  if (action === undefined || action === "read") return "records-read";
  return action === "export" || action === "share" ? "records-exported" : undefined;
}

/**
 * The first volume limit (issue 14 item 3) the request would take over its maximum, given
 * how many records the actor already used per window (`used`): a limit applies to the
 * actor (or its teams, or everyone), counts the request's metric, and is exceeded when
 * used + asked > max. Pure; `decide()` passes the views' counts, `decideAndRecord` adds
 * what the ledger holds beyond the views it decided on.
 */
export function volumeProblem(
  limits: VolumeLimits,
  request: { readonly actor: string; readonly action: string; readonly recordCount?: number },
  teams: readonly string[],
  used: (window: VolumeWindow) => number,
  appliesTo: (
    r: { readonly actors?: readonly string[]; readonly teams?: readonly string[] },
    actor: string,
    teams: readonly string[],
  ) => boolean,
): VolumeReason | undefined {
  const metric = countedMetric(request.action);
  if (metric === undefined) return undefined;
  const asked = request.recordCount ?? 1;
  for (const l of limits) {
    if (l.metric !== metric || !appliesTo(l, request.actor, teams)) continue;
    if (used(l.window) + asked > l.max)
      return metric === "records-read" ? "read-volume-exceeded" : "export-volume-exceeded";
  }
  return undefined;
}

/**
 * Records `actor` was allowed in `events` (allowed `data.accessed` decisions of `metric`),
 * per window ending at `at`, by the volume view's own rule (whole minutes, the window's
 * minutes before `at`'s minute up to it). Used to count the decisions the ledger holds
 * beyond the views a decision was taken on.
 */
export function allowedInWindows(
  events: readonly LedgerEvent[],
  actor: string,
  metric: VolumeMetric,
  at: number,
): Record<VolumeWindow, number> {
  const out: Record<VolumeWindow, number> = { hour: 0, day: 0 };
  const to = Math.floor(at / MINUTE);
  for (const e of events) {
    if (e.type !== "data.accessed" || e.actor.id !== actor) continue;
    const p = e.payload as PayloadOf<"data.accessed">;
    if (p.outcome !== "allowed" || countedMetric(p.action) !== metric) continue;
    const minute = Math.floor(ms(e.occurredAt) / MINUTE);
    for (const w of ["hour", "day"] as const) {
      if (minute <= to && minute >= to - WINDOW_MINUTES[w]) out[w] += p.recordCount ?? 1;
    }
  }
  return out;
}
