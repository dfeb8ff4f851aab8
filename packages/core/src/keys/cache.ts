/**
 * A bounded cache of unwrapped data keys, least recently used first out, with an age
 * limit so a key destroyed by another process stops being served after `ttlMs`. Entries
 * are removed (evicted) on erasure. Key bytes are dropped, not scrubbed: JavaScript gives
 * no guarantee that a buffer was not copied, so scrubbing would promise too much.
 */
export class KeyCache {
  private readonly entries = new Map<string, { keyId: string; key: Uint8Array; at: number }>();

  constructor(
    private readonly maxEntries: number,
    private readonly ttlMs: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** The cached key of `subject` if it is `keyId` (any key when omitted) and still fresh. */
  get(subject: string, keyId?: string): { keyId: string; key: Uint8Array } | undefined {
    const e = this.entries.get(subject);
    if (e === undefined) return undefined;
    if (this.now() - e.at > this.ttlMs) {
      this.entries.delete(subject);
      return undefined;
    }
    if (keyId !== undefined && e.keyId !== keyId) return undefined;
    this.entries.delete(subject); // re-insert: Map order is recency order
    this.entries.set(subject, e);
    return e;
  }

  set(subject: string, keyId: string, key: Uint8Array): void {
    this.entries.delete(subject);
    this.entries.set(subject, { keyId, key, at: this.now() });
    while (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value as string;
      this.entries.delete(oldest);
    }
  }

  /** Drop the subject's cached key (only if it is `keyId`, when given). */
  evict(subject: string, keyId?: string): void {
    if (keyId === undefined || this.entries.get(subject)?.keyId === keyId)
      this.entries.delete(subject);
  }

  clear(): void {
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
