import type { LedgerEvent } from "../events/envelope";

/** Events from `ledger.read()`, an array, or any other (async) iterable, in sequence order. */
export type EventSource = Iterable<LedgerEvent> | AsyncIterable<LedgerEvent>;

/** A half-open time window [from, to) in epoch milliseconds; absent ends are open. */
export interface Window {
  readonly from?: number;
  readonly to?: number;
}

/** True when `at` lies in the window. */
export function inWindow(at: number, w: Window): boolean {
  return (w.from === undefined || at >= w.from) && (w.to === undefined || at < w.to);
}
