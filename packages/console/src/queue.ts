/**
 * The request queue: one list of everything a DPO must answer by a deadline, whatever its
 * kind. Each kind is a `QueueSource` (`queue-source.ts`): erasure requests from
 * `@daicho/core/erasure` (here) and requests of every right from `@daicho/core/requests`
 * (`requests-queue.ts`); the routes, roles, recording and page are shared.
 */
import {
  DaichoError,
  decodeWith,
  ErasureRefusalGround,
  Id,
  Note,
  strictStruct,
} from "@daicho/core";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import type { LedgerContext } from "./context";
import type { ConsoleActor } from "./options";
import { deadlineMarks, EmptyBody, type QueueSource, queueActionSpec } from "./queue-source";
import { requestQueue } from "./requests-queue";

export { EmptyBody } from "./queue-source";

const Empty = EmptyBody;
const RefuseBody = strictStruct("RefuseBody", { ground: ErasureRefusalGround, reason: Note });

/** Erasure requests (GDPR Art. 17, APPI Art. 35): execute, or refuse with the legal ground. */
export const erasureQueue: QueueSource = {
  kind: "erasure",
  async list(ctx, _actor, now) {
    // From the watch's view, folded from verified events: no per-user scan of the ledger.
    await ctx.watch.catchUp();
    const open = [...ctx.watch.erasure.requests.values()].filter((r) => r.status !== "completed");
    return open.map((r) => ({
      kind: "erasure",
      id: r.requestId,
      subject: r.subject,
      status: r.status,
      receivedAt: r.requestedAt,
      dueBy: r.dueBy,
      ...deadlineMarks(r.requestedAt, r.dueBy, now),
      channel: r.channel,
      history: r.refusals.map((f) => ({ at: f.at, what: "refused", ground: f.ground })),
      actions: ["execute", "refuse"],
    }));
  },
  async subjectOf(ctx, _actor, id) {
    await ctx.watch.catchUp();
    return ctx.watch.erasure.requests.get(id)?.subject;
  },
  actions: {
    execute: queueActionSpec({
      rule: "erasure.execute",
      body: Empty,
      run: async (ctx, actor, id) => {
        const outcome = await ctx.erasure(actor).execute(id);
        return { outcome: outcome.outcome, certificate: outcome.certificate };
      },
    }),
    refuse: queueActionSpec({
      rule: "erasure.refuse",
      body: RefuseBody,
      run: async (ctx, actor, id, body: t.TypeOf<typeof RefuseBody>) => {
        const request = ctx.watch.erasure.requests.get(id);
        if (request === undefined)
          throw new DaichoError("NOT_FOUND", "no such erasure request", { path: "requestId" });
        if (request.status === "completed")
          throw new DaichoError("ALREADY_ERASED", "the request is already completed", {
            path: "requestId",
          });
        const event = await ctx.ledger.append({
          type: "erasure.refused",
          actor,
          subjects: [request.subject],
          payload: { requestId: id, ground: body.ground, reason: body.reason },
        });
        return { refused: { seq: event.seq, ground: body.ground } };
      },
    }),
  },
};

/** The queue's sources: erasure requests, and requests of every right. */
export const QUEUE_SOURCES: readonly QueueSource[] = [erasureQueue, requestQueue];

/** Every item of every source, earliest deadline first. */
export async function listQueue(ctx: LedgerContext, actor: ConsoleActor, now: Date) {
  const items = (await Promise.all(QUEUE_SOURCES.map((s) => s.list(ctx, actor, now)))).flat();
  return { items: items.sort((a, b) => a.msLeft - b.msLeft) };
}

/** The source and action a `POST /api/queue/:kind/:id/:action` names, or NOT_FOUND. */
export function queueAction(kind: string, id: string, action: string) {
  const source = QUEUE_SOURCES.find((s) => s.kind === kind);
  const spec = source && Object.hasOwn(source.actions, action) ? source.actions[action] : undefined;
  const requestId = decodeWith(Id, id, "id");
  if (source === undefined || spec === undefined)
    throw new DaichoError("NOT_FOUND", "no such queue or action", { path: "action" });
  if (E.isLeft(requestId)) throw requestId.left;
  return { source, spec, id: requestId.right };
}
