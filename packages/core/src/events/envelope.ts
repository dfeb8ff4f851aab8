import * as t from "io-ts";
import { AssuranceLevel } from "./auth";
import { EVENT_PAYLOADS, type EventType, type PayloadOf } from "./catalogue";
import {
  boundedList,
  FieldName,
  Hash256,
  Id,
  Label,
  Nat,
  strictStruct,
  Timestamp,
} from "./primitives";

/** Version of the envelope layout described in docs/spec.md §2. */
export const ENVELOPE_VERSION = 1 as const;

/** Where a request came from. IP and device identify staff equipment, not data subjects. */
export const RequestContext = strictStruct(
  "RequestContext",
  {},
  {
    ip: t.refinement(t.string, (s) => /^[0-9A-Fa-f:.]{2,45}$/.test(s), "IpAddress"),
    device: Id,
    session: Id,
    channel: Label,
    /** Authentication assurance of the request (issue 14): NIST SP 800-63B aal1–aal3. */
    assurance: AssuranceLevel,
  },
);
export type RequestContext = t.TypeOf<typeof RequestContext>;

export const Actor = strictStruct("Actor", { id: Id }, { role: Id, context: RequestContext });
export type Actor = t.TypeOf<typeof Actor>;

/**
 * Per-subject back-link: the previous event about the same subject, so the events about
 * one subject form their own hash-linked list inside the ledger (docs/spec.md §2.4).
 * Both members are absent on the first event about a subject.
 */
export const SubjectLink = strictStruct(
  "SubjectLink",
  { id: Id },
  { prevSeq: Nat, prevHash: Hash256 },
);
export type SubjectLink = t.TypeOf<typeof SubjectLink>;

/**
 * A personal value sealed under its subject's data key (filled by the crypto-shredding
 * module; docs/spec.md §5). The hash covers the ciphertext, never the plaintext.
 */
export const SealedField = strictStruct(
  "SealedField",
  {
    subject: Id,
    field: FieldName,
    alg: Label,
    keyId: Id,
    nonce: t.string,
    ct: t.string,
  },
  { keep: t.string },
);
export type SealedField = t.TypeOf<typeof SealedField>;

/** The hashed content of an event: everything but its own hash. */
export const EventBody = strictStruct(
  "EventBody",
  {
    v: t.literal(ENVELOPE_VERSION),
    seq: Nat,
    id: Id,
    type: t.keyof(
      Object.fromEntries(Object.keys(EVENT_PAYLOADS).map((k) => [k, null])) as Record<
        EventType,
        null
      >,
      "EventType",
    ),
    schema: Nat,
    occurredAt: Timestamp,
    recordedAt: Timestamp,
    actor: Actor,
    payload: t.UnknownRecord,
    prevHash: Hash256,
  },
  {
    subjects: boundedList(SubjectLink, 4096, "SubjectLinks"),
    personal: boundedList(SealedField, 4096, "SealedFields"),
  },
);
export type EventBody = t.TypeOf<typeof EventBody>;

/** A recorded event as the library hands it out: its body plus its hash. */
export type LedgerEvent<T extends EventType = EventType> = {
  [K in T]: Omit<EventBody, "type" | "payload"> & {
    readonly type: K;
    readonly payload: PayloadOf<K>;
    readonly hash: Hash256;
  };
}[T];

/**
 * What a store keeps for each event. `body` is the exact canonical JSON text (RFC 8785)
 * that was hashed; the other members are copies of values inside it, kept as columns so
 * stores can index them. Verification trusts only `body` and `hash`.
 */
export interface StoredEvent {
  readonly seq: number;
  readonly id: string;
  readonly type: string;
  readonly recordedAt: string;
  readonly subjects: readonly string[];
  readonly prevHash: string;
  readonly hash: string;
  readonly body: string;
}

/**
 * Codec for a {@link StoredEvent} read back from outside the process (a backup file, a
 * KurrentDB event): only the record's shape is checked here; the hash and chain are
 * checked by verification.
 */
export const StoredEventRecord = t.type(
  {
    seq: t.number,
    id: t.string,
    type: t.string,
    recordedAt: t.string,
    subjects: t.array(t.string),
    prevHash: t.string,
    hash: t.string,
    body: t.string,
  },
  "StoredEventRecord",
);
