import * as t from "io-ts";
import { EntryProps } from "./codec";
import { type Entry, entryAt, insertEntry } from "./timeline";

interface PolicyEntry<P> extends Entry {
  readonly policy: P;
}

/**
 * The history of one control policy (`device.policy-set`, `volume.limits-set`, …): each
 * event replaces the previous policy whole, from its `occurredAt`. `at(t)` answers which
 * policy was in force at `t` — undefined before the first, meaning the control is off.
 * Snapshot entries are decoded with the event's own payload codec before they are kept.
 */
export class PolicyTimeline<C extends t.Mixed> {
  private readonly entries: PolicyEntry<t.TypeOf<C>>[] = [];
  /** Codec of this timeline's snapshot section. */
  readonly codec: t.ArrayC<t.TypeC<typeof EntryProps & { policy: C }>>;

  constructor(payload: C) {
    this.codec = t.array(t.type({ ...EntryProps, policy: payload }));
  }

  /** Record that `policy` takes effect at `base.at`. */
  set(base: Entry, policy: t.TypeOf<C>): void {
    insertEntry(this.entries, { at: base.at, seq: base.seq, rec: base.rec, policy });
  }

  /** The policy in force at `at` (epoch ms), or undefined when none was set by then. */
  at(at: number): t.TypeOf<C> | undefined {
    const list = this.entries;
    // Fast path: policies change rarely, and decisions are mostly about now.
    const last = list[list.length - 1];
    if (last === undefined) return undefined;
    if (last.at <= at) return last.policy;
    return entryAt(list, at)?.policy;
  }

  toSnapshot(): PolicyEntry<t.TypeOf<C>>[] {
    return this.entries.map((e) => ({ ...e }));
  }

  /** Replace the history with snapshot entries already decoded with {@link PolicyTimeline.codec}. */
  restore(entries: readonly PolicyEntry<t.TypeOf<C>>[]): void {
    this.entries.length = 0;
    for (const e of entries) this.entries.push({ ...e });
  }
}
