/**
 * Helpers for the host-declared `keep` part of a personal field: the non-identifying
 * remainder that stays readable after erasure (docs/spec.md §10.6). The host decides what
 * is non-identifying; these only compute common cases so callers do not hand-roll them.
 */

/** The last `n` characters (e.g. the last 4 digits of a phone number), at most 8. */
export function keepLast(value: string, n: number): string {
  const count = Math.max(1, Math.min(8, Math.floor(n)));
  const chars = [...value];
  return chars.slice(Math.max(0, chars.length - count)).join("");
}

/** The four-digit year of an ISO 8601 date (`1984-05-02` → `1984`), or undefined. */
export function keepYear(isoDate: string): string | undefined {
  const m = /^(\d{4})-\d{2}-\d{2}/.exec(isoDate);
  return m?.[1];
}
