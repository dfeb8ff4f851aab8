import { canonicalForm } from "./canonical";
import { eventHashV2, eventHashV2OfBody, V2_SUFFIX } from "./envelope/v2-hash";
import type { EventType } from "./events/catalogue";
import { SCHEMA_VERSIONS } from "./events/catalogue";
import {
  ENVELOPE_VERSION,
  type EventBody,
  type LedgerEvent,
  type SealedField,
  type StoredEvent,
  type SubjectLink,
} from "./events/envelope";
import type { EventInput } from "./events/input";
import { HASH_TAGS, taggedHashHexOfText } from "./hash";

/** The position an event is written at: the chain head it extends. */
export interface ChainPosition {
  readonly seq: number;
  readonly prevHash: string;
}

/** The last event about a subject, for per-subject back-links. */
export interface SubjectHead {
  readonly seq: number;
  readonly hash: string;
}

export interface LinkContext {
  readonly position: ChainPosition;
  readonly id: string;
  readonly recordedAt: string;
  /** Heads of the event's subjects; a missing subject has no earlier event. */
  readonly subjectHeads: Pick<ReadonlyMap<string, SubjectHead>, "get">;
  readonly personal?: readonly SealedField[];
  /**
   * Envelope version 2 (docs/spec.md §13): each subject's fresh 32-byte salt, hex. Absent:
   * a version 1 body.
   */
  readonly salts?: (subject: string) => string;
}

/**
 * The event hash: SHA-256("daicho/event/v1" ‖ 0x00 ‖ UTF-8(canonical body)), lower-case hex
 * (docs/spec.md §3.2). `body` is the exact text that was stored. A text ending `,"v":2}` is
 * an envelope version 2 body, hashed by its parts (§13.3; `""` when it has no hash).
 */
export function eventHash(canonicalBody: string): string {
  if (canonicalBody.endsWith(V2_SUFFIX)) return eventHashV2(canonicalBody);
  return taggedHashHexOfText(HASH_TAGS.event, canonicalBody);
}

/** Build the hashed body of an event from a decoded input and its chain position. */
export function buildBody(input: EventInput, ctx: LinkContext): EventBody {
  const subjects = [...new Set(input.subjects ?? [])].sort();
  const links: SubjectLink[] = subjects.map((id) => {
    const head = ctx.subjectHeads.get(id);
    const link = head === undefined ? { id } : { id, prevSeq: head.seq, prevHash: head.hash };
    return (ctx.salts === undefined ? link : { ...link, salt: ctx.salts(id) }) as SubjectLink;
  });
  const personal = ctx.salts === undefined ? ctx.personal : groupBySubject(ctx.personal, subjects);
  const body: Record<string, unknown> = {
    v: ctx.salts === undefined ? ENVELOPE_VERSION : 2,
    seq: ctx.position.seq,
    id: ctx.id,
    type: input.type,
    schema: SCHEMA_VERSIONS[input.type as EventType],
    occurredAt: input.occurredAt ?? ctx.recordedAt,
    recordedAt: ctx.recordedAt,
    actor: input.actor,
    payload: input.payload,
    prevHash: ctx.position.prevHash,
  };
  if (links.length > 0) body.subjects = links;
  if (personal !== undefined && personal.length > 0) body.personal = personal;
  return body as EventBody;
}

/** v2 keeps sealed entries grouped by subject in `subjects` order (§13.1), stable within one. */
function groupBySubject(
  personal: readonly SealedField[] | undefined,
  subjects: readonly string[],
): readonly SealedField[] | undefined {
  if (personal === undefined) return undefined;
  const rank = new Map(subjects.map((s, i) => [s, i]));
  return [...personal].sort((a, b) => (rank.get(a.subject) ?? -1) - (rank.get(b.subject) ?? -1));
}

/** Canonicalize and hash a body into the record a store keeps. */
export function sealBody(body: EventBody): StoredEvent {
  return sealEvent(body).stored;
}

/**
 * Canonicalize and hash a body: the record a store keeps, and the event as handed to
 * callers and listeners (a deep copy sharing nothing with the caller's input).
 */
export function sealEvent(body: EventBody): {
  readonly stored: StoredEvent;
  readonly event: LedgerEvent;
} {
  const { text, copy } = canonicalForm(body);
  // A v2 body is hashed from the copy it was canonicalized from (§13.3), not parsed again.
  const hash = text.endsWith(V2_SUFFIX)
    ? eventHashV2OfBody(copy as Record<string, unknown>)
    : eventHash(text);
  const stored: StoredEvent = {
    seq: body.seq,
    id: body.id,
    type: body.type,
    recordedAt: body.recordedAt,
    subjects: body.subjects?.map((s) => s.id) ?? [],
    prevHash: body.prevHash,
    hash,
    body: text,
  };
  (copy as { hash: string }).hash = hash;
  return { stored, event: copy as LedgerEvent };
}
