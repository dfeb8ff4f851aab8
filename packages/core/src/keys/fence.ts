import type { Store } from "../store/store";
import { readSubjectVerified } from "../subject-events";

/** Event types whose presence about a subject fences its keys (docs/erasure.md). */
export const FENCE_EVENT_TYPES: ReadonlySet<string> = new Set([
  "erasure.fenced",
  "erasure.completed",
]);

/**
 * The erasure fence: the ledger's own record of which subjects are erased. A key load
 * asks the fence first, so a key store restored from a backup older than the erasure
 * still cannot serve the subject's key — the fence lives in the log, which is
 * append-only and travels with every backup of the log.
 */
export interface ErasureFence {
  /**
   * True when an erasure fence about `subject` is recorded. Rejects with `STORE_CORRUPT`
   * when the subject's events cannot be verified: a key is never served on a fence that
   * could have been hidden.
   */
  isFenced(subject: string): Promise<boolean>;
  /** Note a fence this process has just appended (or observed), without a store read. */
  mark(subject: string): void;
}

/**
 * A fence read from the event store: a subject is fenced when the hash-verified **body**
 * of any event about it has a type in {@link FENCE_EVENT_TYPES} (`readSubjectVerified`:
 * bodies checked against their hashes and the subject's back-links; the store's `type`
 * column is never read). Cost per check is the subject's own events, independent of the
 * ledger's size; positive answers are remembered forever since a fence is never lifted.
 */
export function ledgerFence(store: Store): ErasureFence {
  const fenced = new Set<string>();
  return {
    async isFenced(subject: string): Promise<boolean> {
      if (fenced.has(subject)) return true;
      for await (const e of readSubjectVerified(store, subject)) {
        if (FENCE_EVENT_TYPES.has(e.type)) {
          fenced.add(subject);
          return true;
        }
      }
      return false;
    },
    mark(subject: string): void {
      fenced.add(subject);
    },
  };
}
