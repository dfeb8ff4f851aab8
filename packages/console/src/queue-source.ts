/**
 * What every kind of queue item shares: the item's shape, an action's spec (role rule,
 * io-ts body, what it does), a source's interface, and the deadline marks. The sources
 * (erasure requests, requests of every right) and the registry are in `queue.ts`.
 */
import { DaichoError, serialised, strictStruct } from "@daicho/core";
import type * as t from "io-ts";
import type { LedgerContext } from "./context";
import type { ConsoleActor } from "./options";
import type { ConsoleAction } from "./roles";

/** One item of the queue, in the same shape for every kind. */
export interface QueueItem {
  /** The source's kind: `erasure` (erasure service) or `request` (every right). */
  readonly kind: string;
  readonly id: string;
  readonly subject?: string;
  /** `open`, `refused`, …: the source's own status words. */
  readonly status: string;
  readonly receivedAt: string;
  readonly dueBy: string;
  readonly overdue: boolean;
  /** Less than a quarter of the time from receipt to the deadline is left (and not overdue). */
  readonly atRisk: boolean;
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
/** How a deadline stands at `now`: overdue, at risk (under a quarter of the window left), time left. */
export function deadlineMarks(receivedAt: string, dueBy: string, now: Date) {
  const due = Date.parse(dueBy);
  const msLeft = due - now.getTime();
  const window = due - Date.parse(receivedAt);
  return { overdue: msLeft < 0, atRisk: msLeft >= 0 && msLeft < window / 4, msLeft };
}

/**
 * Run `act` on the item `key` once no other console action on it is running, with the
 * watch caught up (and the ledger intact), and only if the item still has the `version`
 * (its event count) the user's page showed: `STALE_VIEW` otherwise, nothing recorded. So
 * nobody extends, closes or notifies on a view that someone else's action made stale.
 * `find` returns the item as the watch folded it (NOT_FOUND when there is none).
 */
export function onCurrentVersion<I extends { readonly events: readonly unknown[] }, A>(
  ctx: LedgerContext,
  key: string,
  seen: number,
  find: () => I,
  act: (item: I) => Promise<A>,
): Promise<A> {
  return serialised(ctx.locks, key, async () => {
    await ctx.beforeChange();
    const item = find();
    if (item.events.length !== seen)
      throw new DaichoError(
        "STALE_VIEW",
        "this item changed since your page showed it (someone else acted first): reload and decide again",
        { path: "$body.version", details: { version: item.events.length } },
      );
    const out = await act(item);
    await ctx.watch.catchUp();
    return out;
  });
}
