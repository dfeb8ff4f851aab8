import type { LedgerEvent } from "../events/envelope";
import { ACCESS_TYPES } from "../monitor/rules";
import { ms, subjectsOf } from "../views/event";
import { type EventSource, inWindow, type Window } from "./source";

/** One thing an actor did to personal data. */
export interface ActorAction {
  readonly seq: number;
  readonly eventId: string;
  readonly type: string;
  readonly at: string;
  readonly subjects: readonly string[];
  readonly resource?: { readonly type: string; readonly id: string };
  readonly fields?: readonly string[];
  readonly purpose?: string;
  readonly outcome?: string;
  readonly reasons?: readonly string[];
  readonly ip?: string;
  readonly device?: string;
}

/**
 * Per-actor access history ("everything agent X touched last month"): every access,
 * export, share and record change by `actorId` in the window, attempts included, oldest
 * first. PCI DSS 10.2.2 fields: who, what, when, outcome, origin, affected data.
 */
export async function actorHistory(
  events: EventSource,
  actorId: string,
  window: Window = {},
): Promise<ActorAction[]> {
  const out: ActorAction[] = [];
  for await (const e of events) {
    if (e.actor.id !== actorId || !ACCESS_TYPES.has(e.type)) continue;
    if (!inWindow(ms(e.occurredAt), window)) continue;
    out.push(actorAction(e));
  }
  return out;
}

/** One access, export, share or record change as an {@link ActorAction} (ids and labels only). */
export function actorAction(e: LedgerEvent): ActorAction {
  const p = e.payload as {
    resource?: { type: string; id: string };
    fields?: readonly string[];
    purpose?: string;
    outcome?: string;
    reasons?: readonly string[];
  };
  const ctx = e.actor.context;
  return {
    seq: e.seq,
    eventId: e.id,
    type: e.type,
    at: e.occurredAt,
    subjects: subjectsOf(e),
    ...(p.resource ? { resource: { type: p.resource.type, id: p.resource.id } } : {}),
    ...(p.fields ? { fields: p.fields } : {}),
    ...(p.purpose ? { purpose: p.purpose } : {}),
    ...(p.outcome ? { outcome: p.outcome } : {}),
    ...(p.reasons ? { reasons: p.reasons } : {}),
    ...(ctx?.ip ? { ip: ctx.ip } : {}),
    ...(ctx?.device ? { device: ctx.device as string } : {}),
  };
}
