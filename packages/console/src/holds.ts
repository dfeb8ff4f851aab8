/**
 * Legal holds from the console: placed and lifted through the erasure service, so the
 * events name the DPO who did it. A hold is placed only on a subject the ledger knows, and
 * lifted only where the subject's verified events show it active.
 */
import { DaichoError, Id, Note, strictStruct, Timestamp } from "@daicho/core";
import { subjectAccess } from "@daicho/core/subject-access";
import type * as t from "io-ts";
import type { LedgerContext } from "./context";
import type { ConsoleActor } from "./options";

export const PlaceHoldBody = strictStruct(
  "PlaceHoldBody",
  { subject: Id, holdId: Id, reason: Note },
  { until: Timestamp },
);
export const ReleaseHoldBody = strictStruct(
  "ReleaseHoldBody",
  { subject: Id, holdId: Id },
  { reason: Note },
);

export async function placeHold(
  ctx: LedgerContext,
  actor: ConsoleActor,
  body: t.TypeOf<typeof PlaceHoldBody>,
) {
  const report = await subjectAccess(ctx.ledger, body.subject); // NOT_FOUND for an unknown subject
  if (report.legalHolds.some((h) => h.holdId === body.holdId))
    throw new DaichoError("INVALID_ARGUMENT", "this hold is already active on the subject", {
      path: "$body.holdId",
    });
  const event = await ctx.erasure(actor).placeHold([body.subject], {
    holdId: body.holdId,
    reason: body.reason,
    ...(body.until === undefined ? {} : { until: body.until }),
  });
  return { placed: { seq: event.seq, holdId: body.holdId } };
}

export async function releaseHold(
  ctx: LedgerContext,
  actor: ConsoleActor,
  body: t.TypeOf<typeof ReleaseHoldBody>,
) {
  const report = await subjectAccess(ctx.ledger, body.subject);
  if (!report.legalHolds.some((h) => h.holdId === body.holdId))
    throw new DaichoError("NOT_FOUND", "no such active hold on this subject", {
      path: "$body.holdId",
    });
  const event = await ctx.erasure(actor).releaseHold([body.subject], body.holdId, body.reason);
  return { released: { seq: event.seq, holdId: body.holdId } };
}
