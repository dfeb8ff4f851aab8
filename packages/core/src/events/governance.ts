import * as t from "io-ts";
import { boundedList, Id, Nat, Note, strictStruct } from "./primitives";

/**
 * Access governance (issue 14 item 6): the second person's approval of a grant (four
 * eyes), and the outcome of a periodic access review. Ids, labels, counts and an optional
 * Note only.
 */

/**
 * A second person approves the grant `grantId` (the version in force when approving).
 * It counts only when recorded by `approvedBy` itself (the envelope's actor), who is
 * neither the grant's `grantedBy`, nor the actor who recorded the grant, nor its grantee,
 * and is onboarded at the time (docs/views-and-decisions.md §3.7).
 */
export const PermissionApproved = strictStruct(
  "PermissionApproved",
  { grantId: Id, approvedBy: Id },
  { note: Note },
);

/** What a periodic access review concluded. */
export const ReviewOutcome = t.keyof(
  { "no-change": null, "grants-revoked": null, "grants-changed": null },
  "ReviewOutcome",
);

/**
 * An access review was completed: who reviewed, how many findings the report had, the
 * outcome, and the grants revoked as a result (each also a `permission.revoked`).
 */
export const AccessReviewCompleted = strictStruct(
  "AccessReviewCompleted",
  { reviewId: Id, reviewedBy: Id, findings: Nat, outcome: ReviewOutcome },
  { revokedGrants: boundedList(Id, 1024), note: Note },
);

/** The codecs above keyed by event type, spread into the catalogue. */
export const GOVERNANCE_PAYLOADS = {
  "permission.approved": PermissionApproved,
  "access-review.completed": AccessReviewCompleted,
} as const;
