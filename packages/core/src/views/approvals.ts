import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { decodeSection } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import type { SnapshotWriter } from "./snapshot-tree";

/** One `permission.approved`: who approved which grant id, when. */
export interface Approval {
  readonly at: number;
  readonly seq: number;
  /** `approvedBy`, recorded only when the envelope's actor is the same id (else ignored). */
  readonly approver: string;
}

const ApprovalsSnapshot = t.type({
  approvals: t.array(
    t.tuple([t.string, t.array(t.type({ at: t.number, seq: t.number, approver: t.string }))]),
  ),
  recorders: t.array(t.tuple([t.number, t.string])),
});
export type ApprovalsSnapshot = t.TypeOf<typeof ApprovalsSnapshot>;

const NONE: readonly Approval[] = Object.freeze([]);

/**
 * The approvals view (four eyes): every approval per grant id, and who recorded each
 * grant version (the envelope's actor, by ledger seq) so a decision can refuse an approval
 * by the person who granted. An approval whose `approvedBy` differs from the envelope's
 * actor is not kept: nobody approves in another person's name.
 */
export class ApprovalsView {
  private readonly byGrant = new Map<string, Approval[]>();
  /** seq of each `permission.granted` → the envelope's actor id. */
  private readonly recordedBy = new Map<number, string>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type === "permission.granted") {
      this.recordedBy.set(event.seq, event.actor.id as string);
    } else if (event.type === "permission.approved") {
      const p = payloadOf(event, "permission.approved");
      if (p.approvedBy !== event.actor.id) return;
      const list = this.byGrant.get(p.grantId);
      const a = { at: ms(event.occurredAt), seq: event.seq, approver: p.approvedBy as string };
      if (list === undefined) this.byGrant.set(p.grantId, [a]);
      else list.push(a);
    }
  }

  /** Approvals of `grantId`, in ledger order. */
  approvalsOf(grantId: string): readonly Approval[] {
    return this.byGrant.get(grantId) ?? NONE;
  }

  /** The actor who recorded the grant version at ledger `seq`. */
  grantRecordedBy(seq: number): string | undefined {
    return this.recordedBy.get(seq);
  }

  /** JSON-safe state; ids and times only. */
  toSnapshot(): ApprovalsSnapshot {
    return { approvals: [...this.byGrant], recorders: [...this.recordedBy] };
  }

  /** Write {@link ApprovalsView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.object(2, depth);
    w.key("approvals");
    w.pairs(this.byGrant, depth + 1);
    w.key("recorders");
    w.pairs(this.recordedBy, depth + 1);
  }

  /** Plain form of {@link ApprovalsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */

  static fromSnapshotOrThrow(data: unknown): ApprovalsView {
    return orThrow(ApprovalsView.fromSnapshot(data));
  }

  /**
   * Rebuild the view from {@link ApprovalsView.toSnapshot} output, decoding it first. A
   * snapshot written before this view existed has no section and restores an empty view:
   * it holds no approvals (the type is newer), and it does not know who recorded the
   * grants in it — so approvals of those grants do not count (fail closed) until the
   * views are rebuilt from the ledger.
   */
  static fromSnapshot(data: unknown): E.Either<DaichoError, ApprovalsView> {
    if (data === undefined) return E.right(new ApprovalsView());
    return pipe(
      decodeSection(ApprovalsSnapshot, data, "approvals"),
      E.map((snap) => {
        const view = new ApprovalsView();
        for (const [id, list] of snap.approvals) view.byGrant.set(id, list);
        for (const [seq, actor] of snap.recorders) view.recordedBy.set(seq, actor);
        return view;
      }),
    );
  }
}
