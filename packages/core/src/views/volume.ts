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
 * binary searches whatever its length. Buckets older than the longest window before the
 * newest are folded into a floor (`floorMinute`, `floorTotal`: the running total at that
 * minute), so memory is bounded by the window, not by the ledger's life.
 */
interface Buckets {
  minutes: number[];
  cum: number[];
  /** Last compacted minute (-Infinity: nothing compacted); totals up to it are `floorTotal`. */
  floorMinute: number;
  floorTotal: number;
}

/** Longest window in minutes, plus the minute `usedAt` adds and the one it subtracts below. */
const KEEP_MINUTES = Math.max(...Object.values(WINDOW_MINUTES)) + 2;
/** Compact once an actor has this many buckets (amortised: at most one pass per KEEP_MINUTES adds). */
const COMPACT_AT = 2 * KEEP_MINUTES;

const BucketsCodec = t.intersection([
  t.type({ minutes: t.array(t.number), cum: t.array(t.number) }),
  // Absent in snapshots written before compaction (nothing compacted then).
  t.partial({ floorMinute: t.number, floorTotal: t.number }),
]);
const limitsCodec = new PolicyTimeline(VolumeLimitsSet).codec;
const VolumeSnapshot = t.type({
  limits: limitsCodec,
  read: t.array(t.tuple([t.string, BucketsCodec])),
  exported: t.array(t.tuple([t.string, BucketsCodec])),
});

function emptyBuckets(): Buckets {
  return { minutes: [], cum: [], floorMinute: Number.NEGATIVE_INFINITY, floorTotal: 0 };
}

function add(b: Buckets, minute: number, n: number): void {
  const last = b.minutes.length - 1;
  if (minute <= b.floorMinute) {
    // Backdated behind the compacted floor: it raises every total from the floor on.
    b.floorTotal += n;
    for (let j = 0; j <= last; j++) b.cum[j] = (b.cum[j] as number) + n;
    return;
  }
  if (last < 0 || (b.minutes[last] as number) < minute) {
    b.minutes.push(minute);
    b.cum.push((last < 0 ? b.floorTotal : (b.cum[last] as number)) + n);
    if (b.minutes.length >= COMPACT_AT) compact(b);
    return;
  }
  // Backdated (rare): find the bucket, insert if new, then shift every later total.
  let i = upperIndex(b.minutes, minute);
  if (i < 0 || b.minutes[i] !== minute) {
    i += 1;
    b.minutes.splice(i, 0, minute);
    b.cum.splice(i, 0, i === 0 ? b.floorTotal : (b.cum[i - 1] as number));
  }
  for (let j = i; j < b.cum.length; j++) b.cum[j] = (b.cum[j] as number) + n;
}

/** Fold every bucket older than KEEP_MINUTES before the newest into the floor. */
function compact(b: Buckets): void {
  const newest = b.minutes[b.minutes.length - 1] as number;
  const drop = upperIndex(b.minutes, newest - KEEP_MINUTES);
  if (drop < 0) return;
  b.floorMinute = b.minutes[drop] as number;
  b.floorTotal = b.cum[drop] as number;
  b.minutes.splice(0, drop + 1);
  b.cum.splice(0, drop + 1);
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

/**
 * Total up to `minute`. Exact from the floor on; before it (compacted away) the true total
 * lies in [0, floorTotal], and `high` picks the bound that over-states a window's count.
 */
function totalUpTo(b: Buckets, minute: number, high: boolean): number {
  const i = upperIndex(b.minutes, minute);
  if (i >= 0) return b.cum[i] as number;
  if (minute >= b.floorMinute) return b.floorTotal;
  return high ? b.floorTotal : 0;
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
      b = emptyBuckets();
      map.set(event.actor.id, b);
    }
    add(b, Math.floor(ms(event.occurredAt) / MINUTE), p.recordCount ?? 1);
  }

  /**
   * Records `actor` read or exported in the window ending at `at` (epoch ms): every bucket
   * from `window` minutes before `at`'s minute to that minute. The window is one minute
   * longer than its name so that a count is never under-stated. Exact whenever the window
   * starts after the actor's compacted floor — always for an instant at or after the
   * actor's newest counted minute; for an older instant it may over-state, never under-state.
   */
  usedAt(actor: string, metric: VolumeMetric, window: VolumeWindow, at: number): number {
    const b = (metric === "records-read" ? this.read : this.exported).get(actor);
    if (b === undefined) return 0;
    const to = Math.floor(at / MINUTE);
    return totalUpTo(b, to, true) - totalUpTo(b, to - WINDOW_MINUTES[window] - 1, false);
  }

  /** JSON-safe state; actor ids, minute numbers and counts. */
  toSnapshot(): t.TypeOf<typeof VolumeSnapshot> {
    const copy = (m: Map<string, Buckets>) =>
      [...m].map(([id, b]) => {
        const floor = Number.isFinite(b.floorMinute)
          ? { floorMinute: b.floorMinute, floorTotal: b.floorTotal }
          : {};
        return [id, { minutes: [...b.minutes], cum: [...b.cum], ...floor }] as [
          string,
          SnapBuckets,
        ];
      });
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
        for (const [id, b] of s.read) view.read.set(id, restoreBuckets(b));
        for (const [id, b] of s.exported) view.exported.set(id, restoreBuckets(b));
        return view;
      }),
    );
  }
}

type SnapBuckets = t.TypeOf<typeof BucketsCodec>;

function restoreBuckets(b: SnapBuckets): Buckets {
  return {
    minutes: [...b.minutes],
    cum: [...b.cum],
    floorMinute: b.floorMinute ?? Number.NEGATIVE_INFINITY,
    floorTotal: b.floorTotal ?? 0,
  };
}
