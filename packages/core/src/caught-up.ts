import { DaichoError } from "./errors";
import type { ChainHead } from "./store/store";
import { assertHeldHead } from "./verify";

/** Anything that reports a chain head: a `Store` or a `Ledger`. */
export interface HeadSource {
  head(): Promise<ChainHead | null>;
}

export interface AwaitHeadOptions {
  /** How long to wait for the store to reach the held head, in ms (default 0: look once). */
  readonly waitMs?: number;
  /** How often to look again while waiting, in ms (default 100). */
  readonly pollMs?: number;
}

/**
 * Wait until `source` holds at least `held.seq + 1` events: the step before verifying a
 * **read replica** against a head taken from the primary or a signed checkpoint
 * (`verify({ expectHead: held })`). A replica that lags is not a truncated ledger, so it
 * gets `NOT_CAUGHT_UP` (retryable; nothing was checked, and the caller must not read
 * that as "verified") instead of a `truncated` verdict. Only the length is awaited: that
 * the replica's event `held.seq` is exactly `held.hash` is for `verify` to decide, so a
 * replica that forked (a promoted standby written to) still fails as `head-mismatch`.
 * Resolves with the head it saw. Rejects with `INVALID_ARGUMENT` for a malformed held head
 * or negative or non-integer `waitMs`/`pollMs`.
 */
export async function awaitHead(
  source: HeadSource,
  held: { readonly seq: number; readonly hash: string },
  options: AwaitHeadOptions = {},
): Promise<ChainHead> {
  assertHeldHead(held);
  const waitMs = wholeMs(options.waitMs ?? 0, "waitMs");
  const pollMs = Math.max(1, wholeMs(options.pollMs ?? 100, "pollMs"));
  const until = Date.now() + waitMs;
  for (;;) {
    const head = await source.head();
    if (head !== null && head.seq >= held.seq) return head;
    const left = until - Date.now();
    if (left <= 0) {
      const have = head === null ? 0 : head.seq + 1;
      throw new DaichoError(
        "NOT_CAUGHT_UP",
        `the store holds ${have} events, fewer than the ${held.seq + 1} of the head you hold: a read replica still catching up (wait longer, or verify on the primary); if this is the primary, the ledger was cut short`,
        { retryable: true, details: { events: have, heldSeq: held.seq } },
      );
    }
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, left)));
  }
}

function wholeMs(value: number, path: string): number {
  if (!Number.isSafeInteger(value) || value < 0) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `${path} must be a whole number of milliseconds ≥ 0`,
      {
        path,
      },
    );
  }
  return value;
}
