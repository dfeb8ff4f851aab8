import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { decodeWith } from "../decode";
import { foldSubjectState } from "../erasure/subject-state";
import { ErasureView } from "../erasure/view";
import { DaichoError } from "../errors";
import type { Actor, LedgerEvent } from "../events/envelope";
import { Id } from "../events/primitives";
import type { Ledger } from "../ledger";
import { subjectEventsVerified } from "../subject-events";
import {
  type ActivityEntry,
  activityEntry,
  type ConsentEntry,
  type PersonalDataEntry,
  personalEntry,
  SUBJECT_ACCESS_FORMAT,
  type SubjectAccessReport,
} from "./report";

export interface SubjectAccessOptions {
  readonly clock?: () => Date;
  /**
   * Record the answer itself as a `data.exported` event by this actor (destination
   * `data-subject`), so the subject's next report shows it. Recommended for real requests.
   */
  readonly recordAs?: t.OutputOf<typeof Actor>;
}

/**
 * Everything the ledger holds about `subject`, decrypted where keys live (GDPR Art.
 * 15/20, APPI Art. 33): personal values (or `Redacted` markers), consents, who read,
 * exported or received the data and why, sources, erasure requests and holds, and every
 * event. Cost is the subject's own events plus one pass over erasure requests via the
 * subject index. Rejects `NOT_FOUND` for an unknown subject, `CIPHERTEXT_TAMPERED` when a
 * sealed value of the subject fails authentication, and `STORE_CORRUPT` when the subject's
 * events do not verify (`readSubjectVerified`: hashes, back-links), rather than answer
 * from a tampered index.
 */
export async function subjectAccess(
  ledger: Ledger,
  subject: string,
  options: SubjectAccessOptions = {},
): Promise<SubjectAccessReport> {
  const id = decodeWith(Id, subject, "subject");
  if (E.isLeft(id)) throw id.left;
  // Hash-verified bodies linked by the subject's back-links: STORE_CORRUPT, never a short report.
  const events = await subjectEventsVerified(ledger.store, subject);
  if (events.length === 0)
    throw new DaichoError("NOT_FOUND", "the ledger holds nothing about this subject", {
      path: "subject",
    });
  const now = (options.clock ?? (() => new Date()))();
  const personalData: PersonalDataEntry[] = [];
  const accesses: ActivityEntry[] = [];
  const exports: ActivityEntry[] = [];
  const disclosures: ActivityEntry[] = [];
  const sources: ActivityEntry[] = [];
  const history: ConsentEntry[] = [];
  const view = new ErasureView();
  for (const e of events) {
    view.apply(e);
    const mine = (e.personal ?? []).filter((f) => f.subject === subject);
    if (mine.length > 0) {
      for (const f of await ledger.openPersonal({ ...e, personal: mine }))
        personalData.push(personalEntry(e, f));
    }
    if (e.type === "data.accessed") accesses.push(activityEntry(e));
    else if (e.type === "data.exported") exports.push(activityEntry(e));
    else if (e.type === "data.shared") disclosures.push(activityEntry(e));
    else if (e.type === "provenance.recorded") sources.push(activityEntry(e));
    const consent = consentEntry(e);
    if (consent !== undefined) history.push(consent);
  }
  const current = new Map<string, ConsentEntry>();
  for (const c of history) current.set(c.purpose, c);
  const state = foldSubjectState(subject, events, now);
  const last = events[events.length - 1] as LedgerEvent;
  const report: SubjectAccessReport = {
    format: SUBJECT_ACCESS_FORMAT,
    ledgerId: ledger.ledgerId,
    subject,
    generatedAt: now.toISOString(),
    lastEvent: { seq: last.seq, hash: last.hash },
    erased: state.fence !== undefined,
    personalData,
    consents: { current: [...current.values()], history },
    accesses,
    exports,
    disclosures,
    sources,
    erasureRequests: [...view.requests.values()].filter((r) => r.subject === subject),
    legalHolds: [...state.holds.values()],
    events: events.map((e) => ({
      seq: e.seq,
      id: e.id,
      type: e.type,
      occurredAt: e.occurredAt,
      recordedAt: e.recordedAt,
      actor: e.actor.id,
      payload: e.payload,
      hash: e.hash,
    })),
  };
  if (options.recordAs !== undefined) {
    await ledger.append({
      type: "data.exported",
      actor: options.recordAs,
      subjects: [subject],
      payload: {
        format: "json",
        destination: { kind: "data-subject", id: subject },
        recordCount: 1,
        fields: [...new Set(personalData.map((p) => p.field))],
        purpose: "subject-access",
      },
    });
  }
  return report;
}

function consentEntry(e: LedgerEvent): ConsentEntry | undefined {
  if (e.type === "consent.granted") {
    const p = (e as LedgerEvent<"consent.granted">).payload;
    return {
      purpose: p.purpose,
      status: "granted",
      at: e.occurredAt,
      eventId: e.id,
      lawfulBasis: p.lawfulBasis,
      ...(p.expiresAt ? { expiresAt: p.expiresAt } : {}),
      evidence: p.evidence,
    };
  }
  if (e.type === "consent.withdrawn") {
    const p = (e as LedgerEvent<"consent.withdrawn">).payload;
    return {
      purpose: p.purpose,
      status: "withdrawn",
      at: e.occurredAt,
      eventId: e.id,
      evidence: p.evidence,
    };
  }
  if (e.type === "consent.expired") {
    const p = (e as LedgerEvent<"consent.expired">).payload;
    return { purpose: p.purpose, status: "expired", at: e.occurredAt, eventId: e.id };
  }
  return undefined;
}
