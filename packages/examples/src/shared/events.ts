import type { EventType, LedgerEvent } from "@daicho/core";

/**
 * Narrow a recorded event to one type, so its payload is typed. (`LedgerEvent` is not a
 * discriminated union over `type`; core has this guard internally but does not export it.)
 */
export function isEvent<T extends EventType>(event: LedgerEvent, type: T): event is LedgerEvent<T> {
  return event.type === type;
}
