import {
  type ChainHead,
  concurrencyConflict,
  DaichoError,
  type StoredEvent,
  sameHead,
} from "@daicho/core";
import type { AppendStreamRequest } from "@kurrent/kurrentdb-client";
import { ANY, binaryRecord, jsonRecord, NO_STREAM } from "./client";
import { failureKind, kurrentError } from "./errors";
import {
  EVENT_TYPE,
  ID_TYPE,
  kurrentEventId,
  LINK_TYPE,
  linkData,
  recordIds,
  type StreamNames,
  SUBJECT_TYPE,
  toEventData,
} from "./mapping";
import { type Ctx, leader, mapLimited, readEvents, readHead } from "./reads";

/**
 * Bytes the server counts for one record, over-estimated: KurrentDB sizes an event as its
 * type, data, metadata and properties (`Event.SizeOnDisk`; the v2 append repeats the type
 * in the properties and their JSON form in the metadata), against `MaxAppendSize`.
 */
function recordBytes(type: string, dataBytes: number): number {
  return 3 * Buffer.byteLength(type, "utf8") + dataBytes + 256;
}

/**
 * The most bytes `event` adds to one append: its own record, its id record, and per
 * subject a link and (when the subject is new) a registry record. Used by the ledger to
 * split a group commit at batch boundaries and by `append` to refuse what cannot fit.
 */
export function eventBytes(e: StoredEvent, events: string): number {
  let n = recordBytes(EVENT_TYPE, Buffer.byteLength(JSON.stringify(toEventData(e)), "utf8"));
  n += recordBytes(ID_TYPE, 24);
  for (const s of e.subjects) {
    n += recordBytes(LINK_TYPE, 17 + events.length);
    n += recordBytes(SUBJECT_TYPE, 16 + Buffer.byteLength(JSON.stringify(s), "utf8"));
  }
  return n;
}

/** What a subject's link stream looks like before the append: its revision, or new. */
export type SubjectRevisions = ReadonlyMap<string, bigint | null>;

/**
 * The one multi-stream append that writes a batch and its index atomically (KurrentDB
 * 25.1+; docs/kurrentdb.md): the events at the expected head's revision, a registry
 * record per new subject, a link per (event, subject) at each link stream's current
 * revision, and an id record per event in a stream that must not exist yet.
 */
export function appendRequests(
  names: StreamNames,
  events: readonly StoredEvent[],
  expected: ChainHead | null,
  subjects: SubjectRevisions,
): AppendStreamRequest[] {
  const requests: AppendStreamRequest[] = [
    {
      streamName: names.events,
      expectedState: expected === null ? NO_STREAM : BigInt(expected.seq),
      events: events.map((e) =>
        jsonRecord(kurrentEventId(e.hash), EVENT_TYPE, toEventData(e) as never),
      ),
    },
  ];
  const fresh = [...subjects].filter(([, r]) => r === null).map(([s]) => s);
  if (fresh.length > 0) {
    requests.push({
      streamName: names.subjects,
      expectedState: ANY, // every writer is serialised by the events stream's expected revision
      events: fresh.map((s) => jsonRecord(recordIds.subject(s), SUBJECT_TYPE, { subject: s })),
    });
  }
  const links = new Map<string, number[]>();
  for (const e of events) {
    for (const s of e.subjects) {
      const list = links.get(s);
      if (list === undefined) links.set(s, [e.seq]);
      else list.push(e.seq);
    }
  }
  for (const [s, seqs] of links) {
    const revision = subjects.get(s);
    requests.push({
      streamName: names.subject(s),
      expectedState: revision === undefined || revision === null ? NO_STREAM : revision,
      events: seqs.map((seq) =>
        binaryRecord(recordIds.link(s, seq), LINK_TYPE, linkData(seq, names.events)),
      ),
    });
  }
  for (const e of events) {
    requests.push({
      streamName: names.id(e.id),
      expectedState: NO_STREAM,
      events: [jsonRecord(recordIds.id(e.id), ID_TYPE, { seq: e.seq })],
    });
  }
  return requests as AppendStreamRequest[];
}

/** Did our batch land at `expected + 1 …`? "ours", "theirs" (another batch is there), or "absent". */
async function landed(
  ctx: Ctx,
  events: readonly StoredEvent[],
  expected: ChainHead | null,
): Promise<"ours" | "theirs" | "absent"> {
  const first = expected === null ? 0 : expected.seq + 1;
  let i = 0;
  for await (const e of readEvents(ctx, first, first + events.length)) {
    if (e.hash !== events[i]?.hash) return "theirs";
    i++;
  }
  if (i === events.length) return "ours";
  return i === 0 ? "absent" : "theirs"; // an append is atomic: part of ours is never there
}

export interface SendOptions {
  /** Re-sends after an outcome KurrentDB left open (timeout, outage, leader change). */
  readonly retries: number;
  readonly backoffMs: number;
}

/**
 * Send the batch's append and settle its outcome. A timeout or outage after the request
 * left may still have written it: the store reads back the revisions it aimed at before
 * doing anything else, and re-sends only while the head is still the expected one (the
 * expected revision makes a late copy of the first attempt and the re-send exclusive).
 * It resolves only when the batch is read back or acknowledged at its sequence numbers.
 */
export async function sendAppend(
  ctx: Ctx,
  events: readonly StoredEvent[],
  expected: ChainHead | null,
  requests: AppendStreamRequest[],
  options: SendOptions,
): Promise<void> {
  const last = events[events.length - 1] as StoredEvent;
  for (let attempt = 0; ; attempt++) {
    ctx.open();
    let failure: unknown;
    try {
      const result = await ctx.track(ctx.client.multiStreamAppend(requests));
      const mine = result.responses.find((r) => r.streamName === ctx.names.events);
      if (mine?.revision === BigInt(last.seq)) return;
      // No (or another) revision acknowledged for the events stream: trust only a read-back.
      if ((await landed(ctx, events, expected)) === "ours") return;
      throw new DaichoError(
        "STORE_CORRUPT",
        "KurrentDB acknowledged the append but the events are not at their sequence numbers (was the events stream soft-deleted and re-created?)",
        { path: "events", details: { acknowledged: String(mine?.revision ?? "none") } },
      );
    } catch (e) {
      if (e instanceof DaichoError) throw e;
      failure = e;
    }
    const kind = failureKind(failure);
    if (kind === "conflict") {
      if (attempt > 0 && (await landed(ctx, events, expected)) === "ours") return; // an earlier attempt landed
      throw await explainConflict(ctx, failure, events, expected);
    }
    if (kind !== "ambiguous" && kind !== "not-leader") throw kurrentError(failure, "events");
    let outcome: "ours" | "theirs" | "absent" | "unknown" = "unknown";
    try {
      outcome = await landed(ctx, events, expected);
    } catch {
      // still unreachable: the outcome stays unknown
    }
    if (outcome === "ours") return;
    if (outcome === "theirs") throw concurrencyConflict(expected, await readHead(ctx));
    if (attempt >= options.retries) {
      const e = kurrentError(failure, "events");
      throw new DaichoError(
        "STORE_UNAVAILABLE",
        outcome === "absent"
          ? "KurrentDB did not confirm the append and it is not there yet; it may still land: retry (a re-sent event id is refused as DUPLICATE_EVENT if it did)"
          : "KurrentDB did not confirm the append and could not be read back; retry (a re-sent event id is refused as DUPLICATE_EVENT if it landed)",
        { path: "events", retryable: true, cause: e, details: { outcome } },
      );
    }
    await sleep(options.backoffMs * 2 ** attempt);
  }
}

/**
 * Which expectation failed. The events stream's means another writer moved the head; an
 * id stream's (with the head unchanged) means a duplicate event id; a subject stream's or
 * the registry's with the head unchanged means someone wrote the index outside the library.
 */
async function explainConflict(
  ctx: Ctx,
  failure: unknown,
  events: readonly StoredEvent[],
  expected: ChainHead | null,
): Promise<DaichoError> {
  const stream = (failure as { streamName?: unknown }).streamName;
  const head = await readHead(ctx);
  if (stream === ctx.names.events || !sameHead(head, expected)) {
    return concurrencyConflict(expected, head);
  }
  const i =
    typeof stream === "string"
      ? events.findIndex((e) => ctx.names.id(e.id) === stream)
      : await firstRecordedId(ctx, events); // the server did not say which stream
  if (i >= 0) {
    return new DaichoError("DUPLICATE_EVENT", "event id is already recorded", {
      path: `events[${i}].id`,
    });
  }
  return new DaichoError(
    "STORE_CORRUPT",
    "a subject stream of the index is not where the events stream says it is (written outside the library?); run verify",
    { path: "subject index", cause: failure },
  );
}

/** Index of the first event whose id stream already exists, or -1. */
async function firstRecordedId(ctx: Ctx, events: readonly StoredEvent[]): Promise<number> {
  const exists = await mapLimited(events, 16, async (e) => {
    try {
      for await (const _ of ctx.client.readStream(ctx.names.id(e.id), {
        maxCount: 1n,
        ...leader(ctx),
      }))
        return true;
    } catch (x) {
      if (failureKind(x) !== "not-found") throw kurrentError(x, "id index");
    }
    return false;
  });
  return exists.indexOf(true);
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
