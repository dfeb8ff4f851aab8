/**
 * What a personal field reads as when its value cannot be shown: `erased` once the
 * subject's keys are destroyed (or fenced), `key-unavailable` when the key store in use
 * holds no key for it (another key store, a lost one). `keep` carries the host-declared
 * non-identifying remainder, if any. Never an exception, never stale plaintext.
 */
export interface Redacted {
  readonly _tag: "Redacted";
  readonly reason: "erased" | "key-unavailable";
  readonly keep?: string;
}

/** One personal field of an event, opened: its value or a {@link Redacted} marker. */
export interface PersonalField {
  readonly subject: string;
  readonly field: string;
  readonly value: string | Redacted;
  readonly keyId: string;
}

/** Build a {@link Redacted} marker. */
export function redacted(reason: Redacted["reason"], keep?: string): Redacted {
  return keep === undefined ? { _tag: "Redacted", reason } : { _tag: "Redacted", reason, keep };
}

/** True when a field's value is a {@link Redacted} marker rather than plaintext. */
export function isRedacted(v: unknown): v is Redacted {
  return typeof v === "object" && v !== null && (v as { _tag?: unknown })._tag === "Redacted";
}
