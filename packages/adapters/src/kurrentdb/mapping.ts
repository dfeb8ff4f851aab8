import { createHash } from "node:crypto";
import {
  DaichoError,
  decodeWith,
  type LedgerMeta,
  type StoredEvent,
  StoredEventRecord,
} from "@daicho/core";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";

/**
 * How a ledger is laid out in KurrentDB, kept pure so it is tested without a server.
 * Each tenant has two streams: `<prefix>-<tenant>-meta` (one event, the ledger's
 * metadata, written with `streamState: NO_STREAM`) and `<prefix>-<tenant>-events`, where
 * the stream revision of an event is its sequence number. Appends pass the expected head's
 * sequence number as `streamState` (or `NO_STREAM` for the first batch), so the server
 * refuses a batch whose expected head is stale: the chain cannot fork.
 */
export interface StreamNames {
  readonly meta: string;
  readonly events: string;
}

export const EVENT_TYPE = "daicho.event.v1";
export const META_TYPE = "daicho.ledger-meta.v1";

const TENANT_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:#-]{0,127}$/;

/** The two streams of `tenant`; the names never contain personal values, only the tenant token. */
export function streamNames(prefix: string, tenant: string): StreamNames {
  if (!TENANT_PATTERN.test(tenant) || !/^[a-z][a-z0-9_-]{0,31}$/.test(prefix)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "tenant or stream prefix has characters KurrentDB stream names should not carry",
      {
        path: "tenant",
      },
    );
  }
  return { meta: `${prefix}-${tenant}-meta`, events: `${prefix}-${tenant}-events` };
}

/**
 * The KurrentDB event id of a stored event: a UUID (version 8, RFC 9562) made from the
 * first 16 bytes of SHA-256("daicho/kurrent-id" ‖ 0x00 ‖ event hash). Deterministic, so
 * re-sending the same batch after a lost acknowledgement hits KurrentDB's idempotent
 * write path instead of writing it twice.
 */
export function kurrentEventId(hash: string): string {
  const digest = createHash("sha256").update("daicho/kurrent-id\u0000").update(hash).digest();
  digest[6] = ((digest[6] as number) & 0x0f) | 0x80; // version 8
  digest[8] = ((digest[8] as number) & 0x3f) | 0x80; // RFC 9562 variant
  const hex = digest.subarray(0, 16).toString("hex");
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

/** The JSON data of a KurrentDB event holding one stored event; `body` keeps the exact canonical text. */
export const EventData = StoredEventRecord;
export type EventData = t.TypeOf<typeof EventData>;

export const MetaData = t.type({
  ledgerId: t.string,
  createdAt: t.string,
  envelopeVersion: t.number,
});

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
      {
        path: `revision ${revision}`,
      },
    );
  }
  return decoded.right;
}

/** Decode the metadata event. */
export function fromMetaData(data: unknown): LedgerMeta {
  const decoded = decodeWith(MetaData, data, "meta");
  if (E.isLeft(decoded))
    throw new DaichoError("STORE_CORRUPT", "meta stream does not hold Daichō metadata", {
      path: "meta",
    });
  return decoded.right;
}

/** Map a KurrentDB client error (by its `type`) onto the library's typed errors. */
export function kurrentError(e: unknown, path: string): DaichoError {
  if (e instanceof DaichoError) return e;
  const type = (e as { type?: string }).type ?? "";
  switch (type) {
    case "wrong-expected-version":
      return new DaichoError("CONCURRENCY_CONFLICT", "the ledger head moved since it was read", {
        path,
        retryable: true,
        cause: e,
      });
    case "unavailable":
    case "deadline-exceeded":
    case "timeout":
    case "not-leader":
    case "cancelled":
      return new DaichoError(
        "STORE_UNAVAILABLE",
        "KurrentDB is unreachable or not the leader; retry",
        {
          path,
          retryable: true,
          cause: e,
          details: { kurrent: type },
        },
      );
    case "stream-deleted":
    case "stream-tombstoned":
      return new DaichoError("STORE_CORRUPT", "the ledger's stream was deleted", {
        path,
        cause: e,
      });
    case "maximum-append-size-exceeded":
      return new DaichoError(
        "PAYLOAD_TOO_LARGE",
        "batch exceeds KurrentDB's append size; append smaller batches",
        { path, cause: e },
      );
    default:
      return new DaichoError("STORE_UNAVAILABLE", `KurrentDB error ${type || "(unknown)"}`, {
        path,
        cause: e,
        details: { kurrent: type },
      });
  }
}
