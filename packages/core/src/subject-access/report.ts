import type { PersonalField } from "../crypto/redacted";
import type { ActiveHold } from "../erasure/subject-state";
import type { ErasureRequestStatus } from "../erasure/view";
import type { LedgerEvent } from "../events/envelope";

/** Format identifier of the subject access report (docs/erasure.md, "Subject access and portability"). */
export const SUBJECT_ACCESS_FORMAT = "daicho/subject-access/v1" as const;

/** One personal value held about the subject: plaintext, or why it cannot be shown. */
export interface PersonalDataEntry {
  readonly field: string;
  /** The value, or null when redacted. */
  readonly value: string | null;
  readonly redacted?: { readonly reason: "erased" | "key-unavailable"; readonly keep?: string };
  readonly eventId: string;
  readonly seq: number;
  readonly eventType: string;
  readonly recordedAt: string;
}

/** Who did something with the subject's data, when and why (GDPR Art. 15(1)(a),(c)). */
export interface ActivityEntry {
  readonly at: string;
  readonly actor: string;
  readonly role?: string;
  readonly eventId: string;
  readonly type: string;
  readonly purpose?: string;
  readonly fields?: readonly string[];
  readonly detail: Readonly<Record<string, unknown>>;
}

export interface ConsentEntry {
  readonly purpose: string;
  readonly status: "granted" | "withdrawn" | "expired";
  readonly at: string;
  readonly eventId: string;
  readonly lawfulBasis?: string;
  readonly expiresAt?: string;
  readonly evidence?: Readonly<Record<string, unknown>>;
}

/**
 * Everything the ledger holds about one subject (GDPR Art. 15 access, Art. 20
 * portability; APPI Art. 33 incl. provision records, Art. 33(5)), as plain JSON.
 * Other subjects' personal values and ids are never included.
 */
export interface SubjectAccessReport {
  readonly format: typeof SUBJECT_ACCESS_FORMAT;
  readonly ledgerId: string;
  readonly subject: string;
  readonly generatedAt: string;
  /** The subject's latest event, so the report can be tied to the verified chain. */
  readonly lastEvent: { readonly seq: number; readonly hash: string } | null;
  readonly erased: boolean;
  readonly personalData: readonly PersonalDataEntry[];
  readonly consents: {
    readonly current: readonly ConsentEntry[];
    readonly history: readonly ConsentEntry[];
  };
  /** `data.accessed`: reads and denied attempts. */
  readonly accesses: readonly ActivityEntry[];
  /** `data.exported`. */
  readonly exports: readonly ActivityEntry[];
  /** `data.shared`: disclosures and entrustments (recipients, APPI Art. 29 records). */
  readonly disclosures: readonly ActivityEntry[];
  /** `provenance.recorded`: where the data came from (GDPR Art. 15(1)(g)). */
  readonly sources: readonly ActivityEntry[];
  readonly erasureRequests: readonly ErasureRequestStatus[];
  readonly legalHolds: readonly ActiveHold[];
  /** Every event about the subject, payloads included, other subjects' ids left out. */
  readonly events: readonly {
    readonly seq: number;
    readonly id: string;
    readonly type: string;
    readonly occurredAt: string;
    readonly recordedAt: string;
    readonly actor: string;
    readonly payload: unknown;
    readonly hash: string;
  }[];
}

/** Turn an opened personal field into a report entry. */
export function personalEntry(e: LedgerEvent, f: PersonalField): PersonalDataEntry {
  const base = {
    field: f.field,
    eventId: e.id,
    seq: e.seq,
    eventType: e.type,
    recordedAt: e.recordedAt,
  };
  if (typeof f.value === "string") return { ...base, value: f.value };
  const r = f.value;
  return {
    ...base,
    value: null,
    redacted: r.keep === undefined ? { reason: r.reason } : { reason: r.reason, keep: r.keep },
  };
}

/** An activity entry from any event: actor, time, purpose and fields where the payload has them. */
export function activityEntry(e: LedgerEvent): ActivityEntry {
  const p = e.payload as Record<string, unknown>;
  const { purpose, fields, ...detail } = p;
  return {
    at: e.occurredAt,
    actor: e.actor.id,
    ...(e.actor.role ? { role: e.actor.role } : {}),
    eventId: e.id,
    type: e.type,
    ...(typeof purpose === "string" ? { purpose } : {}),
    ...(Array.isArray(fields) ? { fields: fields as string[] } : {}),
    detail,
  };
}
