import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { VolumeLimitsSet, type VolumeMetric, type VolumeWindow } from "../events/catalogue";
import { orThrow } from "../plain";
import { decodeSection } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import { PolicyTimeline } from "./policy-timeline";

const MINUTE = 60_000;
/** Window lengths in minutes. */
export const WINDOW_MINUTES: Readonly<Record<VolumeWindow, number>> = { hour: 60, day: 1440 };

/**
 * Per-minute buckets of one actor's counts, with running totals: `minutes` sorted
 * ascending, `cum[i]` the total up to and including bucket i. A window's sum is two
 * binary searches whatever its length, and memory grows with the minutes an actor was
 * active, not with the events.
 */
interface Buckets {
  minutes: number[];
  cum: number[];
}

const BucketsCodec = t.type({ minutes: t.array(t.number), cum: t.array(t.number) });
const limitsCodec = new PolicyTimeline(VolumeLimitsSet).codec;
const VolumeSnapshot = t.type({
  limits: limitsCodec,
  read: t.array(t.tuple([t.string, BucketsCodec])),
  exported: t.array(t.tuple([t.string, BucketsCodec])),
});

function add(b: Buckets, minute: number, n: number): void {
  const last = b.minutes.length - 1;
  if (last < 0 || (b.minutes[last] as number) < minute) {
    b.minutes.push(minute);
    b.cum.push((last < 0 ? 0 : (b.cum[last] as number)) + n);
    return;
  }
  // Backdated (rare): find the bucket, insert if new, then shift every later total.
  let i = upperIndex(b.minutes, minute);
  if (i < 0 || b.minutes[i] !== minute) {
    i += 1;
    b.minutes.splice(i, 0, minute);
    b.cum.splice(i, 0, i === 0 ? 0 : (b.cum[i - 1] as number));
  }
  for (let j = i; j < b.cum.length; j++) b.cum[j] = (b.cum[j] as number) + n;
}

/** Index of the last bucket with minute ≤ `minute`, or -1. */
function upperIndex(minutes: readonly number[], minute: number): number {
  let lo = 0;
  let hi = minutes.length - 1;
  let found = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if ((minutes[mid] as number) <= minute) {
      found = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return found;
}

function totalUpTo(b: Buckets, minute: number): number {
  const i = upperIndex(b.minutes, minute);
  return i < 0 ? 0 : (b.cum[i] as number);
}

/**
 * The volume view (issue 14 item 3): how many records each actor read and exported, in
 * one-minute buckets, from allowed `data.accessed` decisions (`recordCount`, default 1;
 * `read` counts as read, `export` and `share` as exported), and the volume limits in force
 * over time (`volume.limits-set`). Decisions are counted rather than `data.exported`
 * events so the count is what `decide()` allowed, once.
 */
export class VolumeView {
  /** The limits (`volume.limits-set` payload) in force over time. */
  readonly limits = new PolicyTimeline(VolumeLimitsSet);
  private readonly read = new Map<string, Buckets>();
  private readonly exported = new Map<string, Buckets>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type === "volume.limits-set") {
      const base = { at: ms(event.occurredAt), seq: event.seq, rec: ms(event.recordedAt) };
      this.limits.set(base, payloadOf(event, "volume.limits-set"));
      return;
    }
    if (event.type !== "data.accessed") return;
    const p = payloadOf(event, "data.accessed");
    if (p.outcome !== "allowed") return;
    const action = p.action ?? "read";
    const map =
      action === "read"
        ? this.read
        : action === "export" || action === "share"
          ? this.exported
          : undefined;
    if (map === undefined) return;
    let b = map.get(event.actor.id);
    if (b === undefined) {
      b = { minutes: [], cum: [] };
      map.set(event.actor.id, b);
    }
    add(b, Math.floor(ms(event.occurredAt) / MINUTE), p.recordCount ?? 1);
  }

  /**
   * Records `actor` read or exported in the window ending at `at` (epoch ms): every bucket
   * from `window` minutes before `at`'s minute to that minute. The window is one minute
   * longer than its name so that a count is never under-stated.
   */
  usedAt(actor: string, metric: VolumeMetric, window: VolumeWindow, at: number): number {
    const b = (metric === "records-read" ? this.read : this.exported).get(actor);
    if (b === undefined) return 0;
    const to = Math.floor(at / MINUTE);
    return totalUpTo(b, to) - totalUpTo(b, to - WINDOW_MINUTES[window] - 1);
  }

  /** JSON-safe state; actor ids, minute numbers and counts. */
  toSnapshot(): t.TypeOf<typeof VolumeSnapshot> {
    const copy = (m: Map<string, Buckets>) =>
      [...m].map(
        ([id, b]) => [id, { minutes: [...b.minutes], cum: [...b.cum] }] as [string, Buckets],
      );
    return {
      limits: this.limits.toSnapshot(),
      read: copy(this.read),
      exported: copy(this.exported),
    };
  }

  /** Plain form of {@link VolumeView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */

  static fromSnapshotOrThrow(data: unknown): VolumeView {
    return orThrow(VolumeView.fromSnapshot(data));
  }

  /** Rebuild the view from {@link VolumeView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, VolumeView> {
    return pipe(
      decodeSection(VolumeSnapshot, data, "volume"),
      E.map((s) => {
        const view = new VolumeView();
        view.limits.restore(s.limits);
        for (const [id, b] of s.read)
          view.read.set(id, { minutes: [...b.minutes], cum: [...b.cum] });
        for (const [id, b] of s.exported)
          view.exported.set(id, { minutes: [...b.minutes], cum: [...b.cum] });
        return view;
      }),
    );
  }
}
