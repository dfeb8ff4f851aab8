import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { decodeSection } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";

/** What makes two alerts "the same": rule, actor, and the IP or destination involved. */
export interface AlertKeyParts {
  readonly rule: string;
  readonly actorId: string;
  readonly ip?: string;
  readonly destination?: { readonly kind: string; readonly id: string };
}

/** The de-duplication key of an alert (see {@link AlertKeyParts}). */
export function alertKey(a: AlertKeyParts): string {
  const d = a.destination === undefined ? "" : `${a.destination.kind}:${a.destination.id}`;
  return `${a.rule}\u0000${a.actorId}\u0000${a.ip ?? ""}\u0000${d}`;
}

/** One raised alert and what people did with it. */
export interface AlertState {
  readonly alertId: string;
  readonly key: string;
  readonly rule: string;
  readonly actorId: string;
  readonly severity: string;
  /** When the triggering event occurred (epoch ms). */
  readonly raisedAt: number;
  readonly seq: number;
  readonly repeatOf?: string;
  acknowledgedAt?: number;
  acknowledgedBy?: string;
  resolvedAt?: number;
  resolvedBy?: string;
  resolution?: string;
}

const AlertJson = t.intersection([
  t.type({
    alertId: t.string,
    key: t.string,
    rule: t.string,
    actorId: t.string,
    severity: t.string,
    raisedAt: t.number,
    seq: t.number,
  }),
  t.partial({
    repeatOf: t.string,
    acknowledgedAt: t.number,
    acknowledgedBy: t.string,
    resolvedAt: t.number,
    resolvedBy: t.string,
    resolution: t.string,
  }),
]);
const AlertsSnapshot = t.array(AlertJson);
export type AlertsSnapshot = t.TypeOf<typeof AlertsSnapshot>;

/**
 * The alerts view: every `alert.raised` with its acknowledgement and resolution. The
 * first acknowledgement and the first resolution of an alert count; later ones stay in
 * the ledger as evidence but change nothing here. An acknowledgement or resolution of an
 * alert the view has not seen (yet) is ignored — `acknowledgeAlert`/`resolveAlert` refuse
 * to write one.
 */
export class AlertsView {
  private readonly byId = new Map<string, AlertState>();
  /** The newest alert per key (by ledger order). */
  private readonly latest = new Map<string, AlertState>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    switch (event.type) {
      case "alert.raised": {
        const p = payloadOf(event, "alert.raised");
        if (this.byId.has(p.alertId)) return;
        this.index({
          alertId: p.alertId,
          key: alertKey({
            rule: p.rule,
            actorId: p.actorId,
            ...(p.ip !== undefined ? { ip: p.ip } : {}),
            ...(p.destination !== undefined ? { destination: p.destination } : {}),
          }),
          rule: p.rule,
          actorId: p.actorId,
          severity: p.severity,
          raisedAt: ms(event.occurredAt),
          seq: event.seq,
          ...(p.repeatOf !== undefined ? { repeatOf: p.repeatOf } : {}),
        });
        return;
      }
      case "alert.acknowledged": {
        const p = payloadOf(event, "alert.acknowledged");
        const a = this.byId.get(p.alertId);
        if (a === undefined || a.acknowledgedAt !== undefined) return;
        a.acknowledgedAt = ms(event.occurredAt);
        a.acknowledgedBy = p.acknowledgedBy;
        return;
      }
      case "alert.resolved": {
        const p = payloadOf(event, "alert.resolved");
        const a = this.byId.get(p.alertId);
        if (a === undefined || a.resolvedAt !== undefined) return;
        a.resolvedAt = ms(event.occurredAt);
        a.resolvedBy = p.resolvedBy;
        a.resolution = p.resolution;
        return;
      }
    }
  }

  private index(a: AlertState): void {
    this.byId.set(a.alertId, a);
    this.latest.set(a.key, a);
  }

  /** The alert `alertId`, if raised. */
  alert(alertId: string): Readonly<AlertState> | undefined {
    return this.byId.get(alertId);
  }

  /** The newest alert raised with this de-duplication key. */
  latestFor(key: string): Readonly<AlertState> | undefined {
    return this.latest.get(key);
  }

  /** Alerts not resolved, oldest first; optionally only those not yet acknowledged. */
  open(options: { readonly unacknowledgedOnly?: boolean } = {}): Readonly<AlertState>[] {
    const out: AlertState[] = [];
    for (const a of this.byId.values()) {
      if (a.resolvedAt !== undefined) continue;
      if (options.unacknowledgedOnly && a.acknowledgedAt !== undefined) continue;
      out.push(a);
    }
    return out.sort((x, y) => x.seq - y.seq);
  }

  get size(): number {
    return this.byId.size;
  }

  /** JSON-safe state; ids, labels and times only. */
  toSnapshot(): AlertsSnapshot {
    return [...this.byId.values()].map((a) => ({ ...a }));
  }

  /**
   * Rebuild the view from {@link AlertsView.toSnapshot} output, decoding it first. A
   * snapshot written before this view existed has no section and restores an empty view:
   * no acknowledgement or resolution can precede it (those types are newer), but alerts
   * raised before it are not known, so they can be neither de-duplicated against nor
   * acknowledged until the views are rebuilt from the ledger (docs/views-and-decisions.md §7).
   */
  static fromSnapshot(data: unknown): E.Either<DaichoError, AlertsView> {
    if (data === undefined) return E.right(new AlertsView());
    return pipe(
      decodeSection(AlertsSnapshot, data, "alerts"),
      E.map((list) => {
        const view = new AlertsView();
        for (const a of [...list].sort((x, y) => x.seq - y.seq)) view.index({ ...a });
        return view;
      }),
    );
  }

  /** Plain form of {@link AlertsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): AlertsView {
    return orThrow(AlertsView.fromSnapshot(data));
  }
}
