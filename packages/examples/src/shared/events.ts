import type { EventType, LedgerEvent } from "@daicho/core";

/**
 * Narrow a recorded event to one type, so its payload is typed. (`LedgerEvent` is a
 * discriminated union over `type`, so `event.type === "…"` narrows too; this guard reads
 * better when the type is a variable.)
 */
export function isEvent<T extends EventType>(
  event: LedgerEvent,
  type: T,
): event is Extract<LedgerEvent, { type: T }> {
  return event.type === type;
}
