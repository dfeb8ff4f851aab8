/**
 * The request queue: one list of everything a DPO must answer by a deadline, whatever its
 * kind. Each kind is a `QueueSource` (today: erasure requests, from `@daicho/core/erasure`);
 * the other rights and incidents plug in as further sources with their own actions, and
 * the routes, roles, recording and page stay as they are.
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
import type { ConsoleAction } from "./roles";

/** One item of the queue, in the same shape for every kind. */
export interface QueueItem {
  /** The source's kind: `erasure` (later `access`, `rectification`, …, `incident`). */
  readonly kind: string;
  readonly id: string;
  readonly subject?: string;
  /** `open`, `refused`, …: the source's own status words. */
  readonly status: string;
  readonly receivedAt: string;
  readonly dueBy: string;
  readonly overdue: boolean;
  readonly msLeft: number;
  readonly channel?: string;
  /** Refusals, extensions, notes: labels and ids only. */
  readonly history: readonly {
    readonly at: string;
    readonly what: string;
    readonly ground?: string;
  }[];
  /** The actions this source offers on the item (the page shows those the user may take). */
  readonly actions: readonly string[];
}

/** An action on a queue item: the role rule it needs, its body codec, and what it does. */
export interface QueueActionSpec<B = unknown> {
  readonly rule: ConsoleAction;
  readonly body: t.Type<B, unknown, unknown>;
  run(ctx: LedgerContext, actor: ConsoleActor, id: string, body: B): Promise<unknown>;
}

/** A kind of request the queue lists and acts on. */
export interface QueueSource {
  readonly kind: string;
  list(ctx: LedgerContext, actor: ConsoleActor, now: Date): Promise<QueueItem[]>;
  /** The subject an item concerns (for denial records), or undefined when there is no such item. */
  subjectOf(ctx: LedgerContext, actor: ConsoleActor, id: string): Promise<string | undefined>;
  readonly actions: Readonly<Record<string, QueueActionSpec<unknown>>>;
}

/**
 * Erase an action's body type for the source's table: sound, because the handler only
 * calls `run` with what `body` decoded.
 */
export function queueActionSpec<B>(spec: QueueActionSpec<B>): QueueActionSpec<unknown> {
  return spec as unknown as QueueActionSpec<unknown>;
}

/** The body of an action that takes no input: `{}` (or none), nothing else. */
export const EmptyBody = strictStruct("EmptyBody", {});
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
      overdue: Date.parse(r.dueBy) < now.getTime(),
      msLeft: Date.parse(r.dueBy) - now.getTime(),
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

/** The queue's sources (erasure today). */
export const QUEUE_SOURCES: readonly QueueSource[] = [erasureQueue];

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
