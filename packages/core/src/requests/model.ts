import type { LedgerEvent } from "../events/envelope";
import type { RequestRefusalGround, RequestRight } from "../events/requests";
import { type Regime, regimeOf } from "./rights";

/** An event named by sequence number, id, hash and type. */
export interface EventRef {
  readonly seq: number;
  readonly id: string;
  readonly hash: string;
  readonly type: string;
}

/** GDPR Art. 19: a recipient told of a rectification, erasure or restriction. */
export interface RecipientNotice {
  readonly recipient: string;
  readonly channel: string;
  readonly reference?: string;
  readonly at: string;
}

/** One data-subject request and where it stands, folded from its events. */
export interface DataSubjectRequest {
  readonly requestId: string;
  readonly subject: string;
  readonly right: RequestRight;
  readonly regime: Regime;
  readonly requestedBy: string;
  readonly channel: string;
  readonly reason?: string;
  /** Field names the request is limited to (rectify or erase only these). */
  readonly categories?: readonly string[];
  /** For an erasure: the one declared erasure category to erase (docs/spec.md §10.11). */
  readonly erasureCategory?: string;
  readonly receivedAt: string;
  /** The deadline in force (after extensions). */
  readonly dueBy: string;
  /** The deadline set at receipt. */
  readonly originalDueBy: string;
  readonly confirmBy?: string;
  readonly identity?: { readonly method: string; readonly verifiedBy: string; readonly at: string };
  readonly extensions: readonly {
    readonly dueBy: string;
    readonly reason: string;
    readonly at: string;
  }[];
  readonly status: "open" | "refused" | "completed";
  readonly refusal?: {
    readonly ground: RequestRefusalGround;
    readonly reason: string;
    readonly at: string;
  };
  readonly completion?: {
    readonly at: string;
    readonly outcome: string;
    readonly evidence: readonly Omit<EventRef, "type">[];
  };
  readonly notices: readonly RecipientNotice[];
  /** The events that make up this request, in order. */
  readonly events: readonly EventRef[];
}

/** Event types this fold reads. */
export const REQUEST_EVENT = /^request\./;

function ref(e: LedgerEvent): EventRef {
  return { seq: e.seq, id: e.id, hash: e.hash, type: e.type };
}

/**
 * Fold one event into `requests` (a pure step shared by the ledger-wide view and the
 * per-subject decision read). Events must arrive in sequence order. An event naming an
 * unknown request, or one that arrives after the request closed (a terminal event the
 * service refuses to write, but a hostile writer could), changes nothing — the first
 * terminal event wins.
 */
export function applyRequestEvent(requests: Map<string, DataSubjectRequest>, e: LedgerEvent): void {
  if (!REQUEST_EVENT.test(e.type)) return;
  if (e.type === "request.received") {
    const p = e.payload;
    if (requests.has(p.requestId)) return;
    requests.set(p.requestId, {
      requestId: p.requestId,
      subject: e.subjects?.[0]?.id ?? "",
      right: p.right,
      regime: regimeOf(p.right),
      requestedBy: p.requestedBy,
      channel: p.channel,
      ...(p.reason === undefined ? {} : { reason: p.reason }),
      ...(p.categories === undefined ? {} : { categories: [...p.categories] }),
      ...(p.erasureCategory === undefined ? {} : { erasureCategory: p.erasureCategory }),
      receivedAt: e.occurredAt,
      dueBy: p.dueBy,
      originalDueBy: p.dueBy,
      ...(p.confirmBy === undefined ? {} : { confirmBy: p.confirmBy }),
      extensions: [],
      status: "open",
      notices: [],
      events: [ref(e)],
    });
    return;
  }
  const requestId = (e.payload as { requestId?: string }).requestId;
  const r = requestId === undefined ? undefined : requests.get(requestId);
  if (r === undefined || requestId === undefined) return;
  if (!(e.subjects ?? []).some((s) => s.id === r.subject)) return; // not about its subject
  const events = [...r.events, ref(e)];
  const at = e.occurredAt;
  switch (e.type) {
    case "request.recipient-notified": {
      const p = e.payload;
      const notice = {
        recipient: p.recipient,
        channel: p.channel,
        at,
        ...(p.reference ? { reference: p.reference } : {}),
      };
      requests.set(requestId, { ...r, notices: [...r.notices, notice], events });
      return;
    }
    default:
      break;
  }
  if (r.status !== "open") return;
  switch (e.type) {
    case "request.identity-verified":
      requests.set(requestId, {
        ...r,
        identity: { method: e.payload.method, verifiedBy: e.payload.verifiedBy, at },
        events,
      });
      return;
    case "request.extended":
      requests.set(requestId, {
        ...r,
        dueBy: e.payload.dueBy,
        extensions: [...r.extensions, { dueBy: e.payload.dueBy, reason: e.payload.reason, at }],
        events,
      });
      return;
    case "request.refused":
      requests.set(requestId, {
        ...r,
        status: "refused",
        refusal: { ground: e.payload.ground, reason: e.payload.reason, at },
        events,
      });
      return;
    case "request.completed":
      requests.set(requestId, {
        ...r,
        status: "completed",
        completion: {
          at,
          outcome: e.payload.outcome,
          evidence: e.payload.evidence.map((x) => ({ seq: x.seq, id: x.id, hash: x.hash })),
        },
        events,
      });
      return;
    default:
      return;
  }
}
