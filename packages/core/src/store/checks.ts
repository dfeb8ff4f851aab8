import { DaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import { type ChainHead, TYPE_QUERY_LIMITS } from "./store";

/**
 * Shape checks every store applies before writing a batch: contiguous sequence numbers
 * starting right after `expected`, and ids unique within the batch. Shared so adapters
 * do not each write their own.
 */
export function assertContiguousBatch(
  events: readonly StoredEvent[],
  expected: ChainHead | null,
): void {
  const first = expected === null ? 0 : expected.seq + 1;
  const ids = new Set<string>();
  events.forEach((event, i) => {
    if (event.seq !== first + i) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        `batch is not contiguous: expected sequence ${first + i}`,
        {
          path: `events[${i}].seq`,
        },
      );
    }
    if (ids.has(event.id)) {
      throw new DaichoError("DUPLICATE_EVENT", "event id appears twice in the batch", {
        path: `events[${i}].id`,
      });
    }
    ids.add(event.id);
  });
}

export function concurrencyConflict(
  expected: ChainHead | null,
  actual: ChainHead | null,
): DaichoError {
  return new DaichoError("CONCURRENCY_CONFLICT", "the ledger head moved since it was read", {
    retryable: true,
    details: { expectedSeq: expected?.seq ?? null, actualSeq: actual?.seq ?? null },
  });
}

export function sameHead(a: ChainHead | null, b: ChainHead | null): boolean {
  if (a === null || b === null) return a === b;
  return a.seq === b.seq && a.hash === b.hash;
}

/**
 * The arguments of `Store.readByType`, checked the same way by every store: 1…64 type
 * names (strings of 1…128 characters), a safe non-negative `fromSeq`, a `limit` in
 * 1…10,000. Throws `INVALID_ARGUMENT` naming the argument, before anything is read.
 */
export function assertTypeQuery(types: readonly string[], fromSeq: number, limit: number): void {
  if (!Array.isArray(types) || types.length === 0 || types.length > TYPE_QUERY_LIMITS.maxTypes) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `name between 1 and ${TYPE_QUERY_LIMITS.maxTypes} event types to read`,
      { path: "types" },
    );
  }
  types.forEach((t, i) => {
    if (typeof t !== "string" || t.length === 0 || t.length > 128) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "an event type is a string of 1 to 128 characters",
        {
          path: `types[${i}]`,
        },
      );
    }
  });
  if (!Number.isSafeInteger(fromSeq) || fromSeq < 0) {
    throw new DaichoError("INVALID_ARGUMENT", "fromSeq must be a non-negative integer", {
      path: "fromSeq",
    });
  }
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > TYPE_QUERY_LIMITS.maxLimit) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `limit must be an integer from 1 to ${TYPE_QUERY_LIMITS.maxLimit}`,
      { path: "limit" },
    );
  }
}

/**
 * The first `limit` events of several lists, each already in sequence order, merged in
 * sequence order: how a store answers `readByType` from one index seek per type.
 */
export function mergeBySeq(
  lists: readonly (readonly StoredEvent[])[],
  limit: number,
): StoredEvent[] {
  return lists
    .flat()
    .sort((a, b) => a.seq - b.seq)
    .slice(0, limit);
}
