import { eventHash } from "./chain";
import { DaichoError } from "./errors";
import type { Store } from "./store/store";
import type { VerifyReport } from "./verify";
import { type ResumeState, type StoreVerifyOptions, verifyStoreFrom } from "./verify-store";

/**
 * What a long-running process keeps between verifications: the last verified event and
 * the per-subject and per-type tallies up to it (one entry per subject and per type, as a
 * full `verify` holds while it runs). Opaque: obtained only from `verifyFrom`, never built
 * by hand, and tied to the store and genesis it was verified against.
 */
export interface VerifiedHead {
  /** The last verified event's sequence number. */
  readonly seq: number;
  /** Its event hash (64 lower-case hex digits). */
  readonly hash: string;
  /** Events verified in total, `seq + 1`. */
  readonly count: number;
  /** @internal The tallies the next run continues from. */
  readonly state: ResumeState;
  /** @internal Which store and genesis this head belongs to. */
  readonly of: { readonly store: Store; readonly genesis: string };
}

/** The outcome of `verifyFrom`: the report, and the head to keep when it is ok. */
export interface IncrementalVerifyResult {
  /** As `verifyStore`'s; `count` is the ledger-wide count of verified events. */
  readonly report: VerifyReport;
  /** The new head to pass next time: set when the report is ok and the ledger not empty. */
  readonly head?: VerifiedHead;
  /** Events read and hashed by this run (only those after the held head). */
  readonly newEvents: number;
}

/** `verifyFrom`'s options: `verifyStore`'s, except extra `also` checks (they need a full pass). */
export type IncrementalVerifyOptions = Omit<StoreVerifyOptions, "also" | "expectHead">;

/**
 * Verify only what was appended since `held` (a `VerifiedHead` an earlier call returned;
 * `null` verifies the whole ledger). Before reading anything new it re-reads the held
 * head's event and requires the same hash, recomputed from its stored bytes (else
 * `head-mismatch`: the ledger was rolled back or replaced), and a ledger that now ends
 * before it is `truncated`. Then it checks every new event exactly as `verifyStore` does
 * (hash, `seq`, `prevHash` link, subject back-links continuing from the held tallies,
 * stored columns), the stored head, and — unless `indexes: false` — the subject index and
 * the index by type against the cumulative tallies (one aggregate pass each in the
 * store's engine). The held head is never changed: a failed run leaves it usable.
 * Rejects with `INVALID_ARGUMENT` for a head from another store or genesis.
 */
export async function verifyFrom(
  store: Store,
  genesis: string,
  held: VerifiedHead | null,
  options: IncrementalVerifyOptions = {},
): Promise<IncrementalVerifyResult> {
  if (held !== null) {
    if (held.of?.store !== store || held.of.genesis !== genesis) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "this verified head was returned for another store or ledger: pass null to verify this one from the start",
        { path: "held" },
      );
    }
    if (held.state.subjects === undefined && options.subjectLinks !== false) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "this verified head was verified without subject links: pass `subjectLinks: false` again, or null to verify from the start",
        { path: "options.subjectLinks" },
      );
    }
    const failure = await heldHeadFailure(store, held);
    if (failure !== undefined) return { report: failure, newEvents: 0 };
  }
  const resume = held === null ? undefined : copyState(held.state);
  const from = resume === undefined ? 0 : resume.seq + 1;
  const { report, state } = await verifyStoreFrom(store, genesis, options, resume);
  const newEvents = report.count - from;
  if (!report.ok || state === undefined) return { report, newEvents: Math.max(0, newEvents) };
  return {
    report,
    newEvents,
    head: { seq: state.seq, hash: state.hash, count: state.seq + 1, state, of: { store, genesis } },
  };
}

/** The held head's event must still be stored with the held hash, and hash to it. */
async function heldHeadFailure(
  store: Store,
  held: VerifiedHead,
): Promise<VerifyReport | undefined> {
  const event = await store.get(held.seq);
  if (event === undefined) {
    return {
      ok: false,
      count: 0,
      failure: {
        seq: held.seq,
        kind: "truncated",
        reason: `the ledger no longer reaches the verified head at sequence ${held.seq}`,
      },
    };
  }
  if (event.hash !== held.hash || eventHash(event.body) !== held.hash) {
    return {
      ok: false,
      count: 0,
      failure: {
        seq: held.seq,
        kind: "head-mismatch",
        reason: `event ${held.seq} no longer has the verified head's hash: the ledger was rolled back and re-extended, edited, or replaced`,
      },
    };
  }
  return undefined;
}

function copyState(state: ResumeState): ResumeState {
  const types = new Map([...state.types].map(([t, n]) => [t, { ...n }]));
  if (state.subjects === undefined) return { seq: state.seq, hash: state.hash, types };
  return { seq: state.seq, hash: state.hash, types, subjects: state.subjects.copy() };
}
