import { levelRank } from "../views/classification";
import type { GrantRecord } from "../views/permissions";
import type { Views } from "../views/view-set";
import type { CompiledPolicy } from "./config";

/**
 * Does this grant need a second person's approval under the policy? Only with
 * `fourEyesFrom` set: a grant whose `clearance` is at or above that level, or that has
 * none (the actor's clearance, possibly higher, then applies), needs one. A grant capped
 * below the level never reaches such data and needs none.
 */
export function needsApproval(policy: CompiledPolicy, g: GrantRecord): boolean {
  const from = policy.fourEyesRank;
  if (from === undefined) return false;
  return g.clearance === undefined || levelRank(g.clearance) >= from;
}

/**
 * When the grant version `g` was approved by a second person, or Infinity. An approval
 * counts from its `occurredAt` when it is not older than the version (an approval of an
 * earlier version does not carry over to a re-grant), its approver is none of the grant's
 * `grantedBy`, the actor who recorded the grant, or the grantee, and the approver is
 * onboarded (not offboarded) at the approval's time. A grant whose recorder is unknown
 * (views restored from a snapshot older than approvals) is never approved: fail closed.
 * Remembered per version in `views.derived`, which forgets it when an approval of the
 * grant or any actor's lifecycle event is folded.
 */
export function approvedAt(views: Views, g: GrantRecord): number {
  const known = views.derived.approvedAtOf(g);
  if (known !== undefined) return known;
  const fresh = firstValidApproval(views, g);
  views.derived.rememberApproval(g, fresh);
  return fresh;
}

/** {@link approvedAt} computed from the approvals and actors views, without the memo. */
function firstValidApproval(views: Views, g: GrantRecord): number {
  const recorder = views.approvals.grantRecordedBy(g.seq);
  if (recorder === undefined) return Number.POSITIVE_INFINITY;
  let best = Number.POSITIVE_INFINITY;
  for (const a of views.approvals.approvalsOf(g.grantId)) {
    if (a.at < g.grantedAt || a.at >= best) continue;
    if (a.approver === g.grantedBy || a.approver === recorder || a.approver === g.actor) continue;
    if (views.actors.entryAt(a.approver, a.at)?.kind !== "onboarded") continue;
    best = a.at;
  }
  return best;
}

/** `grant-pending-approval` when the policy needs an approval the grant lacks at `at`. */
export function approvalProblem(
  views: Views,
  policy: CompiledPolicy,
  g: GrantRecord,
  at: number,
): "grant-pending-approval" | undefined {
  if (!needsApproval(policy, g)) return undefined;
  return approvedAt(views, g) <= at ? undefined : "grant-pending-approval";
}
