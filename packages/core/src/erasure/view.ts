import type { SubjectHead } from "../chain";
import { readChainVerified } from "../chain-read";
import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";
import type { Store } from "../store/store";
import { readByTypeVerified } from "../type-events";

/** One erasure request and where it stands. */
export interface ErasureRequestStatus {
  readonly requestId: string;
  readonly subject: string;
  readonly requestedBy: string;
  readonly channel: string;
  readonly reason?: string;
  /** The erasure category requested (docs/spec.md §10.11); absent: the whole subject. */
  readonly category?: string;
  readonly requestedAt: string;
  readonly dueBy: string;
  readonly status: "open" | "refused" | "completed";
  readonly completedAt?: string;
  readonly refusals: readonly {
    readonly ground: string;
    readonly reason: string;
    readonly at: string;
    readonly holdId?: string;
  }[];
}

/** A retention policy as recorded by `retention.policy-set`. */
export interface RetentionPolicy {
  readonly policyId: string;
  readonly appliesTo: { readonly purpose: string } | { readonly category: string };
  readonly period: string;
  readonly trigger: "last-contact" | "record-created" | "consent-withdrawn";
  readonly action: "erase" | "review";
  readonly basis?: string;
}

/** Per-subject facts retention needs, kept compact (one entry per subject). */
export interface SubjectRetentionFacts {
  firstAt: number;
  lastContactAt: number;
  readonly purposes: Set<string>;
  readonly categories: Set<string>;
  readonly withdrawnAt: Map<string, number>;
  erased: boolean;
}

/** The event types an erasure request's status is folded from. */
export const ERASURE_REQUEST_TYPES = [
  "erasure.requested",
  "erasure.refused",
  "erasure.completed",
  "erasure.category-completed",
] as const;

/**
 * Event types that are the ledger's own bookkeeping, not contact with the person. The
 * steps of a data-subject request (`request.*`) are too: a DPO answering a request must not
 * restart a retention clock that runs from the last contact.
 */
const BOOKKEEPING = /^(erasure|legal-hold|retention|request|incident)\./;

/**
 * The erasure module's ledger-wide view: requests and their status, retention policies,
 * and per-subject retention facts. Two folds with their own cursors:
 *
 * - requests (`catchUpRequests`): only the `erasure.requested/refused/completed` events,
 *   read through the store's index by type and hash-verified (`readByTypeVerified`), so a
 *   status query never reads the whole ledger, not even the first time;
 * - retention (`catchUp`): every event, because a subject's last contact can be any event;
 *   only scheduled retention needs it. Each event is checked against its hash and the chain
 *   link before it is folded (`readChainVerified`), so a retention decision (which subject is
 *   due for erasure) never rests on an edited or inserted row. It also folds requests it passes.
 *
 * Both read only events appended since their last call.
 */
export class ErasureView {
  private lastSeq = -1;
  private last: SubjectHead | undefined;
  private requestsSeq = -1;
  readonly requests = new Map<string, ErasureRequestStatus>();
  readonly policies = new Map<string, RetentionPolicy>();
  readonly subjects = new Map<string, SubjectRetentionFacts>();

  /**
   * Fold every event appended since the last call (requests, policies, retention facts),
   * each hash- and link-checked first; rejects with `STORE_CORRUPT` on a tampered row.
   */
  async catchUp(ledger: Ledger): Promise<void> {
    for await (const e of readChainVerified(ledger.store, ledger.genesis, this.last)) {
      this.last = { seq: e.seq, hash: e.hash };
      this.apply(e);
    }
  }

  /**
   * Fold the erasure-request events appended since the last call, read by type and
   * checked against their hashed bytes; rejects with `STORE_CORRUPT` on a tampered row.
   */
  async catchUpRequests(store: Store): Promise<void> {
    for await (const e of readByTypeVerified(store, ERASURE_REQUEST_TYPES, this.requestsSeq + 1))
      this.applyRequest(e);
  }

  /** Fold one event (events must arrive in sequence order; repeats are ignored). */
  apply(e: LedgerEvent): void {
    this.applyRequest(e);
    if (e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    const at = Date.parse(e.occurredAt);
    const subjects = (e.subjects ?? []).map((s) => s.id);
    if (e.type === "erasure.completed" || e.type === "erasure.fenced")
      for (const s of subjects) this.facts(s, at).erased = true;
    if (e.type === "retention.policy-set") {
      const p = (e as LedgerEvent<"retention.policy-set">).payload;
      this.policies.set(p.policyId, {
        policyId: p.policyId,
        appliesTo: p.appliesTo,
        period: p.period,
        trigger: p.trigger,
        action: p.action ?? "review",
        ...(p.basis ? { basis: p.basis } : {}),
      });
    }
    if (!BOOKKEEPING.test(e.type)) {
      for (const s of subjects) {
        const f = this.facts(s, at);
        f.lastContactAt = Math.max(f.lastContactAt, at);
        const purpose = (e.payload as { purpose?: unknown }).purpose;
        if (typeof purpose === "string") f.purposes.add(purpose);
        if (e.type === "consent.withdrawn" && typeof purpose === "string")
          f.withdrawnAt.set(purpose, at);
      }
      for (const p of e.personal ?? []) this.facts(p.subject, at).categories.add(p.field);
    }
  }

  /** Fold one event into the requests only (sequence order; repeats are ignored). */
  applyRequest(e: LedgerEvent): void {
    if (e.seq <= this.requestsSeq) return;
    this.requestsSeq = e.seq;
    switch (e.type) {
      case "erasure.requested": {
        const p = (e as LedgerEvent<"erasure.requested">).payload;
        this.requests.set(p.requestId, {
          requestId: p.requestId,
          subject: e.subjects?.[0]?.id ?? "",
          requestedBy: p.requestedBy,
          channel: p.channel,
          ...(p.reason ? { reason: p.reason } : {}),
          ...(p.category ? { category: p.category } : {}),
          requestedAt: e.recordedAt,
          dueBy: p.dueBy,
          status: "open",
          refusals: [],
        });
        break;
      }
      case "erasure.refused": {
        const p = (e as LedgerEvent<"erasure.refused">).payload;
        const r = this.requests.get(p.requestId);
        if (r !== undefined && r.status !== "completed") {
          const refusal = {
            ground: p.ground,
            reason: p.reason,
            at: e.recordedAt,
            ...(p.holdId ? { holdId: p.holdId } : {}),
          };
          this.requests.set(p.requestId, {
            ...r,
            status: "refused",
            refusals: [...r.refusals, refusal],
          });
        }
        break;
      }
      case "erasure.completed":
      case "erasure.category-completed": {
        const p = (e as LedgerEvent<"erasure.completed">).payload;
        const r = this.requests.get(p.requestId);
        if (r !== undefined)
          this.requests.set(p.requestId, { ...r, status: "completed", completedAt: e.recordedAt });
        break;
      }
    }
  }

  private facts(subject: string, at: number): SubjectRetentionFacts {
    let f = this.subjects.get(subject);
    if (f === undefined) {
      f = {
        firstAt: at,
        lastContactAt: at,
        purposes: new Set(),
        categories: new Set(),
        withdrawnAt: new Map(),
        erased: false,
      };
      this.subjects.set(subject, f);
    }
    return f;
  }
}
