import type { EventType, PayloadOf } from "../events/catalogue";
import type { LedgerEvent } from "../events/envelope";

/**
 * What a view folds over: a recorded event as the ledger hands it out. Views read only
 * the envelope's identifiers, labels, field names and timestamps — never the sealed
 * `personal` section — so nothing a view keeps is a personal value.
 */
export type ViewEvent = LedgerEvent;

/** Narrow an event to one type so its payload is typed. */
export function isType<T extends EventType>(
  event: ViewEvent,
  type: T,
): event is Extract<ViewEvent, { type: T }> {
  return event.type === type;
}

/** The payload of an event already known to be of type `T`. */
export function payloadOf<T extends EventType>(event: ViewEvent, _type: T): PayloadOf<T> {
  return event.payload as PayloadOf<T>;
}

/**
 * Milliseconds since the epoch of a recorded timestamp. Recorded timestamps are canonical
 * (`2026-04-01T09:30:00.000Z`, docs/spec.md §2.3), which this reads digit by digit — a
 * view rebuild parses two per event; anything else goes through `Date.parse`.
 */
export function ms(timestamp: string): number {
  if (timestamp.length !== 24 || timestamp.charCodeAt(23) !== 90 /* Z */)
    return Date.parse(timestamp);
  const d = (i: number) => timestamp.charCodeAt(i) - 48;
  const n2 = (i: number) => d(i) * 10 + d(i + 1);
  const year = d(0) * 1000 + d(1) * 100 + d(2) * 10 + d(3);
  const millis = d(20) * 100 + d(21) * 10 + d(22);
  const t = Date.UTC(year, n2(5) - 1, n2(8), n2(11), n2(14), n2(17), millis);
  return Number.isNaN(t) ? Date.parse(timestamp) : t;
}

/** The data subjects an event names in its envelope, in envelope order (sorted). */
export function subjectsOf(event: ViewEvent): string[] {
  const links = event.subjects;
  if (links === undefined) return [];
  const ids = new Array<string>(links.length);
  for (let i = 0; i < links.length; i++) ids[i] = (links[i] as { id: string }).id;
  return ids;
}

/** A time given as a Date, an RFC 3339 string or epoch milliseconds, as epoch milliseconds. */
export type Instant = Date | string | number;

/** Epoch milliseconds of an {@link Instant}; NaN when a string does not parse. */
export function instantMs(at: Instant): number {
  if (typeof at === "number") return at;
  if (typeof at === "string") return Date.parse(at);
  return at.getTime();
}
