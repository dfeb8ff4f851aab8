import { assuranceRank } from "../events/auth";
import type { VolumeWindow } from "../events/catalogue";
import { DestinationKind } from "../events/destination";
import type { ActorEntry } from "../views/actors";
import { levelRank, timelineEntryAt } from "../views/classification";
import type { Views } from "../views/view-set";
import type { CompiledPolicy } from "./config";
import type { DecisionRequest, ItemClass } from "./decide";
import type { DenyReason } from "./reasons";
import { volumeProblem } from "./volume-check";

/**
 * The preventive controls of issue 14 items 1–4, checked by `decide()` after every other
 * condition and in this order: device, destination, volume, authentication. Each control
 * is off until its policy event (`device.policy-set`, `destination.policy-set`,
 * `volume.limits-set`, `auth.policy-set`) is in force at the decision's instant; once on,
 * a request that leaves out what the control needs (a device, a destination, a session)
 * is refused, never waved through. Pure and synchronous, like `decide()`.
 */
export function checkControls(
  views: Views,
  policy: CompiledPolicy,
  request: DecisionRequest,
  actor: ActorEntry | undefined,
  item: ItemClass,
  at: number,
  reasons: DenyReason[],
): void {
  const devicePolicy = views.devices.policy.at(at);
  const destinationPolicy = views.destinations.policy.at(at);
  const limits = views.volume.limits.at(at);
  const authPolicy = views.sessions.policy.at(at);
  const session = request.context?.session;
  const known = session === undefined ? undefined : views.sessions.stateAt(session, at);
  if (
    devicePolicy === undefined &&
    destinationPolicy === undefined &&
    limits === undefined &&
    authPolicy === undefined &&
    known === undefined
  ) {
    return; // no control in force: existing behaviour, at the cost of four lookups
  }
  // The request's level (a look at each requested field's timeline), once, not per rule.
  const level = requestLevel(policy, request, item, at);
  const action = request.action;
  const teams = actor?.kind === "onboarded" ? (actor.teams ?? NONE) : NONE;
  const moves = action === "export" || action === "share";

  if (devicePolicy !== undefined) {
    const problem = deviceProblem(views, devicePolicy.rules, request, level, at);
    if (problem !== undefined) reasons.push(problem);
  }

  if (destinationPolicy !== undefined && moves) {
    const d = request.destination;
    if (d === undefined) reasons.push("destination-missing");
    else {
      const ok = destinationPolicy.rules.some(
        (r) =>
          r.kinds.includes(d.kind) &&
          levelRank(r.upTo) >= level &&
          (r.ids === undefined || r.ids.includes(d.id as never)) &&
          appliesTo(r, request.actor, teams),
      );
      if (!ok) reasons.push("destination-not-allowed");
    }
  }

  if (limits !== undefined && (action === "read" || moves)) {
    const metric = action === "read" ? "records-read" : "records-exported";
    const used = (w: VolumeWindow) => views.volume.usedAt(request.actor, metric, w, at);
    const problem = volumeProblem(limits.limits, request, teams, used, appliesTo);
    if (problem !== undefined) reasons.push(problem);
  }

  if (known !== undefined && known.actorId !== request.actor) reasons.push("session-unknown");
  else if (known?.ended === true) reasons.push("session-ended");
  else if (authPolicy !== undefined) {
    let required = 0;
    for (const r of authPolicy.rules) {
      if (r.atLeast !== undefined && levelRank(r.atLeast) > level) continue;
      if (r.actions !== undefined && !r.actions.includes(action as never)) continue;
      required = Math.max(required, assuranceRank(r.minimum));
    }
    if (required > 0) {
      const claimed = request.context?.assurance;
      const claimedRank = claimed === undefined ? 0 : assuranceRank(claimed);
      const recorded = (authPolicy.sessions ?? "recorded") === "recorded";
      if (recorded && known === undefined) reasons.push("session-unknown");
      else {
        // A claim can lower the recorded assurance (the host knows of a downgrade), never raise it.
        const effective =
          known === undefined
            ? claimedRank
            : claimed === undefined
              ? known.rank
              : Math.min(known.rank, claimedRank);
        if (effective < required) reasons.push("mfa-required");
      }
    }
  }
}

const NONE: readonly string[] = Object.freeze([]);

/** A rule that names no actors and no teams applies to everyone. */
export function appliesTo(
  r: { readonly actors?: readonly string[]; readonly teams?: readonly string[] },
  actor: string,
  teams: readonly string[],
): boolean {
  if (r.actors === undefined && r.teams === undefined) return true;
  if (r.actors?.includes(actor)) return true;
  return r.teams !== undefined && teams.some((t) => r.teams?.includes(t));
}

function deviceProblem(
  views: Views,
  rules: readonly {
    readonly atLeast: string;
    readonly ownership: readonly string[];
    readonly managedOnly?: boolean;
    readonly actions?: readonly string[];
  }[],
  request: DecisionRequest,
  level: number,
  at: number,
): DenyReason | undefined {
  const device = request.context?.device;
  if (device === undefined) return "device-missing";
  const entry = views.devices.entryAt(device, at);
  if (entry === undefined) return "device-unknown";
  if (entry.kind === "lost") return "device-lost";
  if (entry.kind === "wiped") return "device-wiped";
  if (entry.kind === "retired") return "device-retired";
  if (entry.owner !== request.actor) return "device-not-owned";
  for (const r of rules) {
    if (levelRank(r.atLeast as never) > level) continue;
    if (r.actions !== undefined && !r.actions.includes(request.action)) continue;
    if (!r.ownership.includes(entry.ownership as string)) return "device-not-allowed";
    if (r.managedOnly === true && entry.managed !== true) return "device-not-allowed";
  }
  return undefined;
}

/** Rank of the most sensitive thing asked for: the record's level, or a requested field's. */
function requestLevel(
  policy: CompiledPolicy,
  request: DecisionRequest,
  item: ItemClass,
  at: number,
): number {
  const { own, timelines } = item;
  let level = own === undefined ? policy.defaultLevelRank : levelRank(own.level);
  const fields = request.fields;
  if (
    fields !== undefined &&
    fields.length > 0 &&
    timelines !== undefined &&
    timelines.fields.size > 0
  ) {
    for (const f of fields) {
      const e = timelineEntryAt(timelines, f, at);
      if (e !== undefined) level = Math.max(level, levelRank(e.level));
    }
  }
  return level;
}

const ASSURANCE: ReadonlySet<string> = new Set(["aal1", "aal2", "aal3"]);

/**
 * Shape checks for the request members the controls read, for `decide()`'s own guard: a
 * destination of a known kind with a string id, a positive whole record count, a known
 * assurance level. Anything else makes the request `request-invalid`.
 */
export function controlsWellFormed(r: DecisionRequest): boolean {
  const d = r.destination as unknown;
  if (d !== undefined) {
    if (typeof d !== "object" || d === null) return false;
    const { kind, id } = d as { kind: unknown; id: unknown };
    if (!DestinationKind.is(kind) || typeof id !== "string") return false;
  }
  const n = r.recordCount as unknown;
  if (n !== undefined && !(typeof n === "number" && Number.isSafeInteger(n) && n >= 1))
    return false;
  const c = r.context as { assurance?: unknown; device?: unknown; session?: unknown } | undefined;
  if (c?.assurance !== undefined && !ASSURANCE.has(c.assurance as string)) return false;
  if (c?.device !== undefined && typeof c.device !== "string") return false;
  return c?.session === undefined || typeof c.session === "string";
}
