import type { LedgerEvent } from "../events/envelope";
import type { Ledger } from "../ledger";

/** One erasure request and where it stands. */
export interface ErasureRequestStatus {
  readonly requestId: string;
  readonly subject: string;
  readonly requestedBy: string;
  readonly channel: string;
  readonly reason?: string;
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

/**
 * Event types that are the ledger's own bookkeeping, not contact with the person. The
 * steps of a data-subject request (`request.*`) are too: a DPO answering a request must not
 * restart a retention clock that runs from the last contact.
 */
const BOOKKEEPING = /^(erasure|legal-hold|retention|request|incident)\./;

/**
 * The erasure module's ledger-wide view: requests and their status, retention policies,
 * and per-subject retention facts. Built by folding the ledger once, then kept current by
 * reading only events appended since (`catchUp`), so status queries and scheduled
 * retention cost O(new events) after the first call.
 */
export class ErasureView {
  private lastSeq = -1;
  readonly requests = new Map<string, ErasureRequestStatus>();
  readonly policies = new Map<string, RetentionPolicy>();
  readonly subjects = new Map<string, SubjectRetentionFacts>();

  /** Fold events appended since the last call. */
  async catchUp(ledger: Ledger): Promise<void> {
    for await (const e of ledger.read({ from: this.lastSeq + 1 })) this.apply(e);
  }

  /** Fold one event (events must arrive in sequence order; repeats are ignored). */
  apply(e: LedgerEvent): void {
    if (e.seq <= this.lastSeq) return;
    this.lastSeq = e.seq;
    const at = Date.parse(e.occurredAt);
    const subjects = (e.subjects ?? []).map((s) => s.id);
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
    switch (e.type) {
      case "erasure.requested": {
        const p = (e as LedgerEvent<"erasure.requested">).payload;
        this.requests.set(p.requestId, {
          requestId: p.requestId,
          subject: subjects[0] ?? "",
          requestedBy: p.requestedBy,
          channel: p.channel,
          ...(p.reason ? { reason: p.reason } : {}),
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
      case "erasure.completed": {
        const p = (e as LedgerEvent<"erasure.completed">).payload;
        const r = this.requests.get(p.requestId);
        if (r !== undefined)
          this.requests.set(p.requestId, { ...r, status: "completed", completedAt: e.recordedAt });
        for (const s of subjects) this.facts(s, at).erased = true;
        break;
      }
      case "erasure.fenced":
        for (const s of subjects) this.facts(s, at).erased = true;
        break;
      case "retention.policy-set": {
        const p = (e as LedgerEvent<"retention.policy-set">).payload;
        this.policies.set(p.policyId, {
          policyId: p.policyId,
          appliesTo: p.appliesTo,
          period: p.period,
          trigger: p.trigger,
          action: p.action ?? "review",
          ...(p.basis ? { basis: p.basis } : {}),
        });
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
