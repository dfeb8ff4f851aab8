import { DaichoError } from "../errors";
import type { StoredEvent } from "../events/envelope";
import type { ChainHead } from "./store";

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
