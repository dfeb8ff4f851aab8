import type { LedgerEvent } from "../events/envelope";
import type { DataSubjectRequest } from "./model";

/** A recipient of the subject's data who must hear of a rectification, erasure or restriction. */
export interface RecipientToNotify {
  /** The recipient's id (`data.shared` recipient, `data.exported` destination). */
  readonly recipient: string;
  /** `organisation` / `person` for a provision, the destination kind for an export. */
  readonly kind: string;
  /** `entrusted`, `third-party`, … for a provision; `export` for an export. */
  readonly relationship: string;
  /** Field names the recipient received (within the request's categories, if it has any). */
  readonly fields: readonly string[];
  readonly lastReceivedAt: string;
  /** The events by which it received the data. */
  readonly eventIds: readonly string[];
  /** When it was told of this request (`request.recipient-notified`), if it was. */
  readonly notifiedAt?: string;
}

/**
 * GDPR Art. 19: every recipient to which the subject's data was disclosed — from the
 * subject's hash-verified `data.shared` and `data.exported` events recorded before the
 * request was completed — that must be told of the rectification, erasure or restriction
 * the request carried out. Exports to the person themself are not recipients. A request
 * limited to `categories` lists only recipients that received one of those fields. Each
 * entry says whether the notice has been recorded.
 */
export function recipientsToNotify(
  request: DataSubjectRequest,
  events: readonly LedgerEvent[],
): RecipientToNotify[] {
  const until =
    request.events.find((e) => e.type === "request.completed")?.seq ?? Number.POSITIVE_INFINITY;
  const only = request.categories === undefined ? undefined : new Set(request.categories);
  const byId = new Map<
    string,
    { kind: string; relationship: string; fields: Set<string>; at: string; ids: string[] }
  >();
  for (const e of events) {
    if (e.seq >= until || !(e.subjects ?? []).some((s) => s.id === request.subject)) continue;
    let hit:
      | { id: string; kind: string; relationship: string; fields: readonly string[] }
      | undefined;
    if (e.type === "data.shared") {
      const p = e.payload;
      hit = {
        id: p.recipient.id,
        kind: p.recipient.kind,
        relationship: p.relationship,
        fields: p.fields,
      };
    } else if (e.type === "data.exported" && e.payload.destination.kind !== "data-subject") {
      const p = e.payload;
      hit = {
        id: p.destination.id,
        kind: p.destination.kind,
        relationship: "export",
        fields: p.fields,
      };
    }
    if (hit === undefined) continue;
    const fields = only === undefined ? hit.fields : hit.fields.filter((f) => only.has(f));
    if (fields.length === 0) continue;
    const key = `${hit.kind}\u0000${hit.id}`;
    const acc = byId.get(key) ?? {
      kind: hit.kind,
      relationship: hit.relationship,
      fields: new Set(),
      at: e.occurredAt,
      ids: [],
    };
    for (const f of fields) acc.fields.add(f);
    if (e.occurredAt > acc.at) acc.at = e.occurredAt;
    acc.ids.push(e.id);
    byId.set(key, acc);
  }
  return [...byId.entries()]
    .map(([key, a]) => {
      const recipient = key.slice(key.indexOf("\u0000") + 1);
      const notice = request.notices.find((n) => n.recipient === recipient);
      return {
        recipient,
        kind: a.kind,
        relationship: a.relationship,
        fields: [...a.fields].sort(),
        lastReceivedAt: a.at,
        eventIds: a.ids,
        ...(notice === undefined ? {} : { notifiedAt: notice.at }),
      };
    })
    .sort((x, y) => (x.recipient < y.recipient ? -1 : x.recipient > y.recipient ? 1 : 0));
}
