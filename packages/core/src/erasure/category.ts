import type { SubjectHead } from "../chain";
import type { Kek } from "../crypto/key-wrap";
import { DaichoError, isDaichoError } from "../errors";
import type { LedgerEvent } from "../events/envelope";
import type { KeyRing } from "../keys/ring";
import {
  type CategoryCertificateBody,
  type CategoryErasureCertificate,
  signCategoryCertificate,
} from "./category-certificate";
import { closeKeyWindow } from "./key-copies";
import type { Signer } from "./signer";
import type { SubjectErasureState } from "./subject-state";
import type { ErasureRequestStatus } from "./view";

/** An erasure's outcome with certificate kind `C`: erased now, or before (idempotent). Refusals reject. */
export type OutcomeWith<C> =
  | { readonly outcome: "erased"; readonly certificate: C }
  | {
      readonly outcome: "already-erased";
      readonly code: "ALREADY_ERASED";
      readonly certificate: C;
    };

/** The outcome of a category erasure. */
export type CategoryErasureOutcome = OutcomeWith<CategoryErasureCertificate>;

/** What a category erasure needs from the erasure service that runs it. */
export interface CategoryErasureContext {
  readonly ledgerId: string;
  readonly keys: KeyRing;
  readonly signer: Signer;
  readonly nextKek?: (retiredKekId: string) => Kek | Promise<Kek>;
  /** How often to re-decide after events about the subject raced the fence. */
  readonly maxDecisions: number;
  /** Append one erasure event about the subject (conditional on its head when given). */
  record(
    type: "erasure.category-fenced" | "erasure.category-completed",
    subject: string,
    payload: unknown,
    expectSubjectHeads?: ReadonlyMap<string, SubjectHead | null>,
  ): Promise<LedgerEvent>;
  /** The subject's erasure state, folded from its hash-verified bodies. */
  subjectState(subject: string): Promise<SubjectErasureState>;
  /** Record the refusal and reject (`LEGAL_HOLD`, `ERASURE_EXEMPT`) when one applies to `category`. */
  refuseIfExempt(requestId: string, state: SubjectErasureState, category: string): Promise<void>;
  /** The request a fence names, when it is another one. */
  requestOf(requestId: string): ErasureRequestStatus | undefined;
}

/**
 * Erase one category of a subject (spec §10.11): decide on the subject's verified events
 * (holds, obligations for the category), record `erasure.category-fenced` on condition
 * that no event about the subject came since that read (`expectSubjectHeads`; otherwise
 * read and decide again), destroy the (subject, category) keys — every other key of the
 * subject stays — close the key-copy window as a subject erasure does, record
 * `erasure.category-completed`, and return a signed category certificate. Idempotent: a
 * second call, or one for another request about an already erased category, resolves
 * `already-erased` with the first certificate. Rejects `ALREADY_ERASED` when the whole
 * subject was erased meanwhile (its own certificate covers the category's keys).
 */
export async function executeCategoryErasure(
  ctx: CategoryErasureContext,
  request: ErasureRequestStatus & { readonly category: string },
): Promise<CategoryErasureOutcome> {
  const { subject, requestId, category } = request;
  for (let attempt = 0; ; attempt++) {
    let state = await ctx.subjectState(subject);
    if (state.fence !== undefined) {
      throw new DaichoError(
        "ALREADY_ERASED",
        "the whole subject is erased; its erasure certificate covers this category's keys",
        { path: "requestId", details: { requestId, erasureRequestId: state.fence.requestId } },
      );
    }
    const fenced = state.categoryFences.get(category);
    if (state.categoryCompletions.has(requestId) && fenced !== undefined) {
      // Done before: under this request, or closed as a duplicate of the fence's request.
      const owner = fenced.requestId === requestId ? request : ctx.requestOf(fenced.requestId);
      return {
        outcome: "already-erased",
        code: "ALREADY_ERASED",
        certificate: await certify(
          ctx,
          { ...(owner ?? request), category },
          state,
          fenced.requestId,
        ),
      };
    }
    if (fenced !== undefined && fenced.requestId !== requestId) {
      // Erased (or being erased) under another request: finish that one, close this one.
      const owner = ctx.requestOf(fenced.requestId);
      if (!state.categoryCompletions.has(fenced.requestId))
        await finish(ctx, fenced.requestId, category, state);
      await ctx.record("erasure.category-completed", subject, {
        requestId,
        category,
        keyIds: [],
        subjectKeyIds: [],
        eventsAffected: 0,
      });
      state = await ctx.subjectState(subject);
      const certified = owner === undefined ? request : { ...owner, category };
      return {
        outcome: "already-erased",
        code: "ALREADY_ERASED",
        certificate: await certify(ctx, certified, state, fenced.requestId),
      };
    }
    if (fenced === undefined) {
      if (!(await fence(ctx, request, state, attempt))) continue; // decide again
      state = await ctx.subjectState(subject);
    }
    await finish(ctx, requestId, category, state);
    return {
      outcome: "erased",
      certificate: await certify(ctx, request, await ctx.subjectState(subject)),
    };
  }
}

/**
 * Decide (holds, the category's obligations) and record the category fence, naming the
 * category's fields under the declaration in force and every key of the category — in
 * the key store (live or tombstoned) and in the subject's sealed fields. Resolves false
 * when another event about the subject came first (the caller reads again).
 */
async function fence(
  ctx: CategoryErasureContext,
  request: ErasureRequestStatus & { readonly category: string },
  state: SubjectErasureState,
  attempt: number,
): Promise<boolean> {
  const { requestId, category, subject } = request;
  await ctx.refuseIfExempt(requestId, state, category);
  const declared = await ctx.keys.declaredCategory(category);
  const keyIds = [
    ...new Set([
      ...(await ctx.keys.holderKeyIds(subject, category)),
      ...(state.byCategory.get(category)?.keyIds ?? []),
    ]),
  ].sort();
  try {
    await ctx.record(
      "erasure.category-fenced",
      subject,
      { requestId, category, fields: [...(declared?.fields ?? [])], keyIds },
      new Map([[subject, state.head]]),
    );
    return true;
  } catch (e) {
    if (isDaichoError(e, "CONCURRENCY_CONFLICT") && attempt < ctx.maxDecisions) return false;
    throw e;
  }
}

/** Behind a recorded category fence: destroy the category's keys, close the window, record completion. */
async function finish(
  ctx: CategoryErasureContext,
  requestId: string,
  category: string,
  state: SubjectErasureState,
): Promise<void> {
  const fenced = state.categoryFences.get(category);
  await ctx.keys.destroyCategory(state.subject, category, fenced?.fields ?? []);
  await ctx.record("erasure.category-completed", state.subject, {
    requestId,
    category,
    keyIds: [...(fenced?.keyIds ?? [])],
    subjectKeyIds: (await ctx.keys.holderKeyIds(state.subject)).sort(),
    eventsAffected: state.byCategory.get(category)?.events ?? 0,
    ...(await closeKeyWindow(ctx.keys, ctx.nextKek)),
  });
}

/** Sign the certificate of the request whose fence and completion `state` holds. */
async function certify(
  ctx: CategoryErasureContext,
  request: ErasureRequestStatus & { readonly category: string },
  state: SubjectErasureState,
  owner: string = request.requestId,
): Promise<CategoryErasureCertificate> {
  const completion = state.categoryCompletions.get(owner);
  const fenced = state.categoryFences.get(request.category);
  if (completion === undefined || fenced === undefined || fenced.requestId !== owner) {
    throw new DaichoError("NOT_FOUND", "request has no recorded category completion", {
      path: "requestId",
    });
  }
  const p = completion.payload;
  const body: CategoryCertificateBody = {
    v: 1,
    ledgerId: ctx.ledgerId,
    requestId: owner,
    subject: state.subject,
    category: request.category,
    fields: [...fenced.fields],
    requestedAt: request.requestedAt,
    dueBy: request.dueBy,
    completedAt: completion.recordedAt,
    keyIds: [...p.keyIds],
    subjectKeyIds: [...p.subjectKeyIds],
    eventsAffected: p.eventsAffected,
    fence: { seq: fenced.event.seq, id: fenced.event.id, hash: fenced.event.hash },
    completion: { seq: completion.seq, id: completion.id, hash: completion.hash },
    ...(p.keyCopies ? { keyCopies: p.keyCopies } : {}),
    ...(p.kekId ? { kekId: p.kekId } : {}),
  } as CategoryCertificateBody;
  return signCategoryCertificate(body, ctx.signer);
}
