import { canonicalForm } from "./canonical";
import type { SubjectHead } from "./chain";
import { eventHash } from "./chain";
import { freshSalt } from "./envelope/v2-body";
import { subjectCommitHex } from "./envelope/v2-hash";
import { eventHashV2OfSplice, spliceV2Members, type V2Commitments } from "./envelope/v2-splice";
import { type EventType, SCHEMA_VERSIONS } from "./events/catalogue";
import {
  ENVELOPE_VERSION,
  type LedgerEvent,
  type SealedField,
  type StoredEvent,
  type SubjectLink,
} from "./events/envelope";
import type { EventInput } from "./events/input";

/**
 * The append path split in two so that most of it can run off the main thread
 * (`append-pool.ts`): {@link sealParts} is everything about an event that does not depend
 * on where in the chain it lands (its canonical actor and payload, its sorted subjects),
 * and {@link spliceParts} writes those parts around the chain position (sequence number,
 * `prevHash`, subject links, recording time) into the canonical body and hashes it.
 *
 * The body text is exactly what `canonicalForm(buildBody(…))` in `chain.ts` writes: the
 * members in RFC 8785 order (`actor`, `id`, `occurredAt`, `payload`, `personal`,
 * `prevHash`, `recordedAt`, `schema`, `seq`, `subjects`, `type`, `v`; a link's `id`,
 * `prevHash`, `prevSeq`), strings by `JSON.stringify` as the canonicalizer writes them,
 * integers by `String`. `seal-parts.test.ts` holds the two equal byte for byte by property
 * test. Both halves are pure; the worker calls `sealParts` exactly as this thread would.
 */
export interface SealParts {
  readonly type: string;
  /** RFC 8785 text of the decoded `actor`. */
  readonly actor: string;
  /** RFC 8785 text of the decoded `payload`. */
  readonly payload: string;
  /** The event's subjects, deduplicated and sorted (the order of its links). */
  readonly subjects: readonly string[];
  readonly occurredAt?: string;
  /** The caller's event id, when the input named one. */
  readonly id?: string;
  /**
   * Envelope version 2 (docs/spec.md §13): each subject's fresh salt and commitment, in
   * `subjects` order. Absent: a version 1 body. Fixed once per event, so a group re-sealed
   * on a new head after a conflict keeps its salts (the earlier attempt stored nothing).
   */
  readonly v2?: V2Commitments;
}

/** How {@link sealParts} seals: the envelope version, and for v2 where salts come from. */
export interface SealPartsOptions {
  readonly envelope?: 1 | 2;
  /** A fresh 32-byte salt, hex (default `freshSalt`; tests pass a deterministic one). */
  readonly salt?: (subject: string) => string;
}

/**
 * The position-independent parts of a decoded input. Throws `CANONICALIZATION_ERROR` when
 * a value cannot be canonicalized, or a string the splice writes holds a lone surrogate
 * (the splice writes those strings without the canonicalizer's check).
 */
export function sealParts(input: EventInput, options: SealPartsOptions = {}): SealParts {
  const subjects = [...new Set(input.subjects ?? [])].sort();
  for (const s of subjects) canonicalForm(s);
  if (input.id !== undefined) canonicalForm(input.id);
  if (input.occurredAt !== undefined) canonicalForm(input.occurredAt);
  canonicalForm(input.type);
  return {
    type: input.type,
    actor: canonicalForm(input.actor).text,
    payload: canonicalForm(input.payload).text,
    subjects,
    ...(input.occurredAt === undefined ? {} : { occurredAt: input.occurredAt }),
    ...(input.id === undefined ? {} : { id: input.id }),
    ...(options.envelope === 2 ? { v2: commitments(subjects, options.salt ?? freshSalt) } : {}),
  };
}

function commitments(subjects: readonly string[], salt: (s: string) => string): V2Commitments {
  const salts = subjects.map((s) => salt(s));
  return { salts, commits: subjects.map((s, i) => subjectCommitHex(salts[i] as string, s)) };
}

/** Where and when an event is sealed: what {@link spliceParts} adds to its parts. */
export interface SpliceContext {
  readonly seq: number;
  readonly prevHash: string;
  readonly id: string;
  readonly recordedAt: string;
  readonly subjectHeads: Pick<ReadonlyMap<string, SubjectHead>, "get">;
  readonly personal?: readonly SealedField[];
}

/**
 * The canonical body of an event from its parts and position, its hash, the record a
 * store keeps and the event handed to callers (a fresh value sharing nothing with the
 * input: actor and payload are parsed from their canonical text).
 */
export function spliceParts(
  parts: SealParts,
  ctx: SpliceContext,
): { readonly stored: StoredEvent; readonly event: LedgerEvent } {
  if (parts.v2 !== undefined) return spliceV2(parts, parts.v2, ctx);
  const type = parts.type as EventType;
  const schema = SCHEMA_VERSIONS[type];
  const occurredAt = parts.occurredAt ?? ctx.recordedAt;
  let text = `{"actor":${parts.actor},"id":${JSON.stringify(ctx.id)},"occurredAt":${JSON.stringify(occurredAt)},"payload":${parts.payload}`;
  let personal: unknown;
  if (ctx.personal !== undefined && ctx.personal.length > 0) {
    const form = canonicalForm(ctx.personal);
    personal = form.copy;
    text += `,"personal":${form.text}`;
  }
  text += `,"prevHash":${JSON.stringify(ctx.prevHash)},"recordedAt":${JSON.stringify(ctx.recordedAt)},"schema":${schema},"seq":${ctx.seq}`;
  let links: SubjectLink[] | undefined;
  if (parts.subjects.length > 0) {
    links = [];
    text += `,"subjects":[`;
    for (let i = 0; i < parts.subjects.length; i++) {
      const id = parts.subjects[i] as string;
      const head = ctx.subjectHeads.get(id);
      if (i > 0) text += ",";
      if (head === undefined) {
        text += `{"id":${JSON.stringify(id)}}`;
        links.push({ id } as SubjectLink);
      } else {
        text += `{"id":${JSON.stringify(id)},"prevHash":${JSON.stringify(head.hash)},"prevSeq":${head.seq}}`;
        links.push({ id, prevHash: head.hash, prevSeq: head.seq } as SubjectLink);
      }
    }
    text += "]";
  }
  text += `,"type":${JSON.stringify(type)},"v":${ENVELOPE_VERSION}}`;
  return sealed(parts, ctx, text, eventHash(text), { personal, links, v: ENVELOPE_VERSION });
}

/** The members of a spliced event besides its common ones and actor and payload. */
interface SplicedMembers {
  readonly personal: unknown;
  readonly links: unknown;
  readonly v: number;
}

/** The stored record and the caller's event of a spliced body (shared by both versions). */
function sealed(
  parts: SealParts,
  ctx: SpliceContext,
  text: string,
  hash: string,
  { personal, links, v }: SplicedMembers,
): { readonly stored: StoredEvent; readonly event: LedgerEvent } {
  const type = parts.type as EventType;
  // Members in the order `sealEvent`'s sorted copy has them, so the two are equal as JSON.
  const event: Record<string, unknown> = {
    actor: JSON.parse(parts.actor),
    id: ctx.id,
    occurredAt: parts.occurredAt ?? ctx.recordedAt,
    payload: JSON.parse(parts.payload),
  };
  if (personal !== undefined) event.personal = personal;
  event.prevHash = ctx.prevHash;
  event.recordedAt = ctx.recordedAt;
  event.schema = SCHEMA_VERSIONS[type];
  event.seq = ctx.seq;
  if (links !== undefined) event.subjects = links;
  event.type = type;
  event.v = v;
  event.hash = hash;
  const stored: StoredEvent = {
    seq: ctx.seq,
    id: ctx.id,
    type,
    recordedAt: ctx.recordedAt,
    subjects: parts.subjects,
    prevHash: ctx.prevHash,
    hash,
    body: text,
  };
  return { stored, event: event as unknown as LedgerEvent };
}

/** {@link spliceParts} for an envelope version 2 body (§13.1): salted links, grouped values. */
function spliceV2(
  parts: SealParts,
  commitments: V2Commitments,
  ctx: SpliceContext,
): { readonly stored: StoredEvent; readonly event: LedgerEvent } {
  const type = parts.type as EventType;
  const schema = SCHEMA_VERSIONS[type];
  const occurredAt = parts.occurredAt ?? ctx.recordedAt;
  const members = spliceV2Members(parts.subjects, commitments, ctx.subjectHeads, ctx.personal);
  const before = `{"actor":${parts.actor},"id":${JSON.stringify(ctx.id)},"occurredAt":${JSON.stringify(occurredAt)}`;
  const common = `,"prevHash":${JSON.stringify(ctx.prevHash)},"recordedAt":${JSON.stringify(ctx.recordedAt)},"schema":${schema},"seq":${ctx.seq}`;
  const tail = `,"type":${JSON.stringify(type)},"v":2}`;
  const text = `${before},"payload":${parts.payload}${members.personalText}${common}${members.subjectsText}${tail}`;
  const hash = eventHashV2OfSplice(
    members,
    before,
    `,"payload":${parts.payload}${common}${tail}`,
    text,
  );
  return sealed(parts, ctx, text, hash, {
    personal: members.personalCopy,
    links: members.links,
    v: 2,
  });
}
