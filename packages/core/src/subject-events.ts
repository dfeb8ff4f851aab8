import { eventHash, type SubjectHead } from "./chain";
import { DaichoError } from "./errors";
import type { LedgerEvent, StoredEvent, SubjectLink } from "./events/envelope";
import type { Store } from "./store/store";

/**
 * A subject's events read through the store's subject index, each checked against the
 * hashed bytes before anything decides on it (docs/spec.md §10.7, issue 11 item 2):
 *
 * 1. the stored body hashes to the stored hash (`eventHash`, spec §3.2), and the body's
 *    `seq` is the row's;
 * 2. the body's `subjects` names `subject`: the index may not slip in a foreign event;
 * 3. the body's back-link for `subject` (spec §2.4) names the previously returned event
 *    by `seq` and hash, and the first event has no back-link: a row deleted from the
 *    index, a reordered or duplicated row breaks the list.
 *
 * The events yielded are the parsed **bodies** (with their hash); no column of the row
 * (`type`, `subjects`) is used. Any failed check rejects with `STORE_CORRUPT` naming the
 * sequence number, so a decision never rests on an unverifiable read (fail closed).
 *
 * Limit: deleting the index rows of a subject's *last* events leaves a list that still
 * links; `verify` compares the index with the bodies to find that (spec §10.7).
 */
export async function* readSubjectVerified(
  store: Store,
  subject: string,
): AsyncIterable<LedgerEvent> {
  let previous: SubjectHead | undefined;
  for await (const stored of store.readSubject(subject)) {
    const event = verifySubjectEvent(stored, subject, previous);
    previous = { seq: event.seq, hash: event.hash };
    yield event;
  }
}

/** Every event about `subject`, verified as by {@link readSubjectVerified}. */
export async function subjectEventsVerified(store: Store, subject: string): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const e of readSubjectVerified(store, subject)) out.push(e);
  return out;
}

/**
 * Check one stored event as the next event about `subject` after `previous` (undefined
 * for the first) and return its parsed body. Throws `STORE_CORRUPT` otherwise.
 */
export function verifySubjectEvent(
  stored: StoredEvent,
  subject: string,
  previous: SubjectHead | undefined,
): LedgerEvent {
  if (eventHash(stored.body) !== stored.hash) {
    throw corrupt(stored.seq, subject, "the event's body does not hash to its stored hash");
  }
  const body = parseBody(stored);
  if (body === undefined || body.seq !== stored.seq) {
    throw corrupt(stored.seq, subject, "the event's body is not an event at this sequence number");
  }
  const link = body.subjects?.find((s) => typeof s === "object" && s !== null && s.id === subject);
  if (link === undefined) {
    throw corrupt(stored.seq, subject, "the subject index names an event not about the subject");
  }
  if (previous === undefined ? hasBackLink(link) : !linksTo(link, previous)) {
    throw corrupt(
      stored.seq,
      subject,
      "the subject's events do not link up (an index row is missing, moved or repeated)",
    );
  }
  return { ...body, hash: stored.hash } as LedgerEvent;
}

type ParsedBody = Omit<LedgerEvent, "hash"> & { readonly subjects?: readonly SubjectLink[] };

function parseBody(stored: StoredEvent): ParsedBody | undefined {
  try {
    const body = JSON.parse(stored.body) as unknown;
    if (typeof body !== "object" || body === null) return undefined;
    const subjects = (body as { subjects?: unknown }).subjects;
    if (subjects !== undefined && !Array.isArray(subjects)) return undefined;
    return body as ParsedBody;
  } catch {
    return undefined;
  }
}

function hasBackLink(link: SubjectLink): boolean {
  return link.prevSeq !== undefined || link.prevHash !== undefined;
}

function linksTo(link: SubjectLink, previous: SubjectHead): boolean {
  return link.prevSeq === previous.seq && link.prevHash === previous.hash;
}

function corrupt(seq: number, subject: string, reason: string): DaichoError {
  return new DaichoError(
    "STORE_CORRUPT",
    `${reason}; run \`daicho verify\` and restore the ledger from a verified copy`,
    { path: `seq ${seq}`, details: { seq, subject } },
  );
}
