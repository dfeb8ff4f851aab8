import { createHash } from "node:crypto";
import {
  DaichoError,
  decodeStoredMeta,
  decodeWith,
  type LedgerMeta,
  type StoredEvent,
  StoredEventRecord,
} from "@daicho/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";

/**
 * How a ledger is laid out in KurrentDB, kept pure so it is tested without a server
 * (docs/kurrentdb.md, "Layout"). Per tenant:
 * - `<prefix>-<tenant>-meta`: one event, the ledger's metadata (written with `NO_STREAM`);
 * - `<prefix>-<tenant>-events`: one event per ledger event, stream revision = sequence number;
 * - `<prefix>-<tenant>-subjects`: one event per subject, the first time it is mentioned;
 * - `<prefix>-<tenant>-subject-<h>`: per subject, one link event (`$>`) per event about it;
 * - `<prefix>-<tenant>-id-<h>`: per event id, one event, written with `NO_STREAM`.
 * `<h>` is a keyed digest, so stream names carry no subject or event id.
 */
export interface StreamNames {
  readonly meta: string;
  readonly events: string;
  readonly subjects: string;
  /** The link stream of one subject. */
  subject(subject: string): string;
  /** The uniqueness stream of one event id. */
  id(eventId: string): string;
}

export const EVENT_TYPE = "daicho.event.v1";
export const META_TYPE = "daicho.ledger-meta.v1";
export const SUBJECT_TYPE = "daicho.subject.v1";
export const ID_TYPE = "daicho.id.v1";
/** KurrentDB's link event type: data `<revision>@<stream>`, resolved by reads with `resolveLinkTos`. */
export const LINK_TYPE = "$>";

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:#-]{0,127}$/;

/** The streams of `tenant`; the names never contain personal values, only the tenant token. */
export function streamNames(prefix: string, tenant: string): StreamNames {
  if (!TENANT_PATTERN.test(tenant) || !/^[a-z][a-z0-9_-]{0,31}$/.test(prefix)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "tenant or stream prefix has characters KurrentDB stream names should not carry",
      { path: "tenant" },
    );
  }
  const base = `${prefix}-${tenant}`;
  return {
    meta: `${base}-meta`,
    events: `${base}-events`,
    subjects: `${base}-subjects`,
    subject: (subject) => `${base}-subject-${digest("daicho/kurrent-subject", subject)}`,
    id: (eventId) => `${base}-id-${digest("daicho/kurrent-id-stream", eventId)}`,
  };
}

/** 128 bits of SHA-256(tag ‖ 0x00 ‖ value), hex: collision-free in practice, and no plaintext. */
function digest(tag: string, value: string): string {
  return createHash("sha256")
    .update(`${tag}\u0000`)
    .update(value, "utf8")
    .digest("hex")
    .slice(0, 32);
}

/** A UUID (version 8, RFC 9562) from the first 16 bytes of SHA-256(tag ‖ 0x00 ‖ value). */
function derivedUuid(tag: string, value: string): string {
  const d = createHash("sha256").update(`${tag}\u0000`).update(value, "utf8").digest();
  d[6] = ((d[6] as number) & 0x0f) | 0x80; // version 8
  d[8] = ((d[8] as number) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = d.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/**
 * The KurrentDB event id of a stored event: a UUIDv8 made from SHA-256("daicho/kurrent-id"
 * ‖ 0x00 ‖ event hash). Deterministic, so a read-back after a lost acknowledgement can
 * recognise the store's own write.
 */
export function kurrentEventId(hash: string): string {
  return derivedUuid("daicho/kurrent-id", hash);
}

/** Ids of the index records, derived like `kurrentEventId` so a re-sent append is the same bytes. */
export const recordIds = {
  meta: (ledgerId: string) => derivedUuid("daicho/kurrent-meta", ledgerId),
  link: (subject: string, seq: number) =>
    derivedUuid("daicho/kurrent-link", `${seq}\u0000${subject}`),
  subject: (subject: string) => derivedUuid("daicho/kurrent-subject-record", subject),
  id: (eventId: string) => derivedUuid("daicho/kurrent-id-record", eventId),
};

/** The JSON data of a KurrentDB event holding one stored event; `body` keeps the exact canonical text. */
export const EventData = StoredEventRecord;
export type EventData = t.TypeOf<typeof EventData>;

/** The data of a subject-registry event. */
export const SubjectData = t.type({ subject: t.string });

/** Encode a stored event as the data of its KurrentDB event. */
export function toEventData(e: StoredEvent): EventData {
  return {
    seq: e.seq,
    id: e.id,
    type: e.type,
    recordedAt: e.recordedAt,
    subjects: [...e.subjects],
    prevHash: e.prevHash,
    hash: e.hash,
    body: e.body,
  };
}

/**
 * Decode a KurrentDB event back into a stored event, checking that its stream revision
 * is its sequence number; anything else is `STORE_CORRUPT` (someone wrote to the stream
 * outside the library).
 */
export function fromEventData(data: unknown, revision: bigint): StoredEvent {
  const decoded = decodeWith(EventData, data, `revision ${revision}`);
  if (E.isLeft(decoded)) {
    throw new DaichoError("STORE_CORRUPT", "stream holds an event that is not a Daichō event", {
      path: decoded.left.path ?? `revision ${revision}`,
    });
  }
  if (BigInt(decoded.right.seq) !== revision) {
    throw new DaichoError(
      "STORE_CORRUPT",
      "event sequence number differs from its stream revision",
      { path: `revision ${revision}` },
    );
  }
  return decoded.right;
}

/** Decode the metadata event (exactly a `LedgerMeta`, else STORE_CORRUPT). */
export function fromMetaData(data: unknown): LedgerMeta {
  return decodeStoredMeta(data, "the KurrentDB meta stream");
}

/** The data of a link event to `seq` of the events stream. */
export function linkData(seq: number, events: string): Uint8Array {
  return Buffer.from(`${seq}@${events}`, "utf8");
}

/**
 * The sequence number a link event points at, or undefined when it does not point into
 * `events` (a link written outside the library).
 */
export function linkTarget(data: unknown, events: string): number | undefined {
  const text =
    typeof data === "string"
      ? data
      : data instanceof Uint8Array
        ? Buffer.from(data).toString("utf8")
        : "";
  const at = text.indexOf("@");
  if (at <= 0 || text.slice(at + 1) !== events) return undefined;
  const digits = text.slice(0, at);
  if (!/^(0|[1-9][0-9]{0,15})$/.test(digits)) return undefined;
  const seq = Number(digits);
  return Number.isSafeInteger(seq) ? seq : undefined;
}

/**
 * The per-subject back-link `{ prevSeq, prevHash }` a stored body records for `subject`
 * (docs/spec.md §3), `null` when the body names the subject without one (its first event),
 * and undefined when the body does not name it at all.
 */
export function subjectLinkOf(
  body: string,
  subject: string,
): { prevSeq?: number; prevHash?: string } | null | undefined {
  let parsed: { subjects?: { id?: unknown; prevSeq?: unknown; prevHash?: unknown }[] };
  try {
    parsed = JSON.parse(body) as typeof parsed;
  } catch {
    return undefined;
  }
  const link = parsed.subjects?.find((s) => s.id === subject);
  if (link === undefined) return undefined;
  if (link.prevSeq === undefined) return null;
  return {
    prevSeq: typeof link.prevSeq === "number" ? link.prevSeq : -1,
    prevHash: typeof link.prevHash === "string" ? link.prevHash : "",
  };
}
