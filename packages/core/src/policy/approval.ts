import { DaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import { grantEndsAt } from "../views/permissions";
import type { Views } from "../views/view-set";

/**
 * Record a second person's approval of a grant (`permission.approved`, four eyes). The
 * checks `decide()` applies are made first, so a mistake is refused with a reason instead
 * of being recorded and silently not counting: `NOT_FOUND` when the views know no such
 * grant, `INVALID_ARGUMENT` when no version of it is in force at `at`, when `by` granted
 * it, recorded it or receives it, or when `by` is not an onboarded actor at `at`. Nothing
 * is written then. The approval is recorded with `by` as the envelope's actor.
 */
export async function approveGrant(
  ledger: Ledger,
  views: Views,
  input: {
    readonly grantId: string;
    readonly by: string;
    readonly note?: string;
    readonly at?: Date;
  },
): Promise<LedgerEvent> {
  const at = (input.at ?? new Date()).getTime();
  const versions = views.permissions.versionsOf(input.grantId);
  if (versions.length === 0) {
    throw new DaichoError("NOT_FOUND", "no permission.granted with this grantId in the views", {
      path: "grantId",
    });
  }
  const g = versions.find((v) => v.grantedAt <= at && at < grantEndsAt(v));
  if (g === undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "no version of this grant is in force at the approval time: grant it again, then approve",
      { path: "grantId" },
    );
  }
  const recorder = views.approvals.grantRecordedBy(g.seq);
  if (input.by === g.grantedBy || input.by === recorder || input.by === g.actor) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "four eyes: the approver must be another person than the one who granted, recorded or receives the grant",
      { path: "by" },
    );
  }
  if (views.actors.entryAt(input.by, at)?.kind !== "onboarded") {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "the approver is not an onboarded actor at the approval time: onboard them first",
      { path: "by" },
    );
  }
  return ledger.append({
    type: "permission.approved",
    actor: { id: input.by },
    occurredAt: new Date(at).toISOString(),
    payload: {
      grantId: input.grantId,
      approvedBy: input.by,
      ...(input.note !== undefined ? { note: input.note } : {}),
    },
  });
}
