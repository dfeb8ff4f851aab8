import { type ChainHead, DaichoError, type StoredEvent, type SubjectHead } from "@daicho/core";
import { BACKWARDS, END, type KurrentClient } from "./client";
import { failureKind, hiddenEvents, kurrentError } from "./errors";
import { fromEventData, LINK_TYPE, linkTarget, type StreamNames } from "./mapping";

/** What every read and write needs: the client, the layout, and the store's bookkeeping. */
export interface Ctx {
  readonly client: KurrentClient;
  readonly names: StreamNames;
  /** gRPC deadline of one call, in milliseconds. */
  readonly deadline: number;
  /** Register a call so `close()` waits for it. */
  track<T>(p: Promise<T>): Promise<T>;
  /** Throws `STORE_CLOSED` once the store is closed. */
  open(): void;
}

/** Events one readStream call asks for; a longer range is read in several calls. */
const PAGE = 4096;

/**
 * Every read that decides anything goes to the leader: a follower can lag behind a write
 * the leader acknowledged, and a lagging answer would let a writer fork a subject's chain.
 */
export const leader = (ctx: Ctx) => ({ requiresLeader: true, deadline: ctx.deadline });

/** Pull an iterator one result at a time, each pull tracked, checking `open` between pulls. */
export async function* pull<T>(ctx: Ctx, it: AsyncIterableIterator<T>): AsyncGenerator<T> {
  try {
    for (;;) {
      ctx.open();
      const r = await ctx.track(it.next());
      if (r.done === true) return;
      yield r.value;
    }
  } finally {
    await it.return?.();
  }
}

/**
 * Refuse a ledger stream whose stream metadata lets KurrentDB hide events: a soft delete
 * (`$tb` set to the maximum), truncation (`$tb`), or retention (`$maxCount`, `$maxAge`).
 * KurrentDB filters such events out of every stream read (docs/kurrentdb.md, sources).
 */
export async function assertKeepsEverything(ctx: Ctx, stream: string, role: string): Promise<void> {
  let metadata: Record<string, unknown> | undefined;
  try {
    metadata = (await ctx.track(ctx.client.getStreamMetadata(stream, leader(ctx)))).metadata;
  } catch (e) {
    throw kurrentError(e, role);
  }
  const set = (["truncateBefore", "maxCount", "maxAge"] as const).filter(
    (k) => metadata?.[k] !== undefined && metadata?.[k] !== null,
  );
  if (set.length > 0) {
    throw hiddenEvents(
      role,
      `the ${role} stream is soft-deleted or has retention set (${set.map((k) => SETTING[k]).join(", ")})`,
    );
  }
}

const SETTING = { truncateBefore: "$tb", maxCount: "$maxCount", maxAge: "$maxAge" } as const;

/**
 * Map a read failure. "Not found" is an empty stream only if nothing hides it: a
 * soft-deleted stream reads as "not found" too, and must not pass for a new ledger.
 */
async function onReadError(ctx: Ctx, e: unknown, stream: string, role: string): Promise<void> {
  if (failureKind(e) === "not-found") return assertKeepsEverything(ctx, stream, role);
  throw kurrentError(e, role);
}

/**
 * Events `from` ≤ seq < `to` of the events stream, in order. Each returned revision must be
 * exactly the next sequence number: a stream that skips one (truncated, retention, a
 * soft delete and re-creation) is `STORE_CORRUPT`, never a shorter answer.
 */
export async function* readEvents(ctx: Ctx, from: number, to: number): AsyncGenerator<StoredEvent> {
  let next = from;
  while (next < to) {
    const count = Math.min(PAGE, to - next);
    let got = 0;
    try {
      const it = ctx.client.readStream(ctx.names.events, {
        fromRevision: BigInt(next),
        maxCount: BigInt(count),
        ...leader(ctx),
      });
      for await (const resolved of pull(ctx, it)) {
        const rec = resolved.event;
        if (rec === undefined)
          throw new DaichoError("STORE_CORRUPT", "empty event", { path: `seq ${next}` });
        if (rec.revision !== BigInt(next)) {
          throw hiddenEvents(
            `seq ${next}`,
            `the events stream skips from revision ${next} to ${rec.revision}`,
          );
        }
        yield fromEventData(rec.data, rec.revision);
        next++;
        got++;
        if (got === count) break;
      }
    } catch (e) {
      await onReadError(ctx, e, ctx.names.events, "events");
      return;
    }
    if (got < count) return;
  }
}

/** The last event of the events stream (read backwards from its end), or null. */
export async function readHead(ctx: Ctx): Promise<ChainHead | null> {
  try {
    const it = ctx.client.readStream(ctx.names.events, {
      fromRevision: END,
      direction: BACKWARDS,
      maxCount: 1n,
      ...leader(ctx),
    });
    for await (const resolved of pull(ctx, it)) {
      if (resolved.event === undefined) break;
      const e = fromEventData(resolved.event.data, resolved.event.revision);
      return { seq: e.seq, hash: e.hash };
    }
  } catch (e) {
    await onReadError(ctx, e, ctx.names.events, "events");
  }
  return null;
}

/** One entry of a subject's link stream: where it points, and the event found there. */
export interface SubjectLink {
  readonly seq: number | undefined;
  readonly target: StoredEvent | undefined;
  /** The link event's own revision in the subject stream. */
  readonly revision: bigint;
}

/** Split a resolved link into the link and its target, the two ways a server may return it. */
function toLink(ctx: Ctx, resolved: { event?: RecordedLike; link?: RecordedLike }): SubjectLink {
  const link = resolved.link ?? (resolved.event?.type === LINK_TYPE ? resolved.event : undefined);
  if (link === undefined || link.type !== LINK_TYPE) {
    throw new DaichoError("STORE_CORRUPT", "a subject stream holds an event that is not a link", {
      path: "subject index",
    });
  }
  const seq = linkTarget(link.data, ctx.names.events);
  const raw = resolved.link === undefined ? undefined : resolved.event;
  const target =
    raw !== undefined && seq !== undefined && raw.streamId === ctx.names.events
      ? fromEventData(raw.data, raw.revision)
      : undefined;
  return { seq, target: target?.seq === seq ? target : undefined, revision: link.revision };
}

interface RecordedLike {
  readonly type: string;
  readonly data: unknown;
  readonly revision: bigint;
  readonly streamId: string;
}

/** The links of one subject stream, in order (forwards) or only the last (backwards). */
export async function* readLinks(
  ctx: Ctx,
  subject: string,
  last = false,
): AsyncGenerator<SubjectLink> {
  const stream = ctx.names.subject(subject);
  try {
    const it = ctx.client.readStream(stream, {
      resolveLinkTos: true,
      ...(last ? { fromRevision: END, direction: BACKWARDS, maxCount: 1n } : {}),
      ...leader(ctx),
    });
    for await (const resolved of pull(ctx, it)) yield toLink(ctx, resolved as never);
  } catch (e) {
    await onReadError(ctx, e, stream, "subject index");
  }
}

/**
 * The latest event about `subject` and the revision of its link stream (null for a subject
 * never mentioned), read from the subject's link stream: one round trip, whatever the
 * ledger's size. The link must resolve to an event that names the subject.
 */
export async function subjectState(
  ctx: Ctx,
  subject: string,
): Promise<{ head: SubjectHead; revision: bigint } | null> {
  for await (const link of readLinks(ctx, subject, true)) {
    const e = link.target;
    if (e === undefined || !e.subjects.includes(subject)) {
      throw new DaichoError(
        "STORE_CORRUPT",
        "the subject index points at an event that is missing or not about that subject",
        { path: link.seq === undefined ? "subject index" : `seq ${link.seq}` },
      );
    }
    return { head: { seq: e.seq, hash: e.hash }, revision: link.revision };
  }
  return null;
}

/** Run `f` over `items` with at most `limit` calls in flight, keeping the order of results. */
export async function mapLimited<A, B>(
  items: readonly A[],
  limit: number,
  f: (a: A) => Promise<B>,
): Promise<B[]> {
  const out = new Array<B>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await f(items[i] as A);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
