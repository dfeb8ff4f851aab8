import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { decodeSection, EntryProps, StringList } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import type { SnapshotWriter } from "./snapshot-tree";
import { type Entry, entryAt, insertEntry } from "./timeline";

/** A customer's マル秘 instruction on one item: who may know it, until when. */
export interface Instruction extends Entry {
  readonly instructionId: string;
  readonly actors: readonly string[];
  readonly teams: readonly string[];
  /** Epoch ms until which the customer wants the item kept to these people (absent: always). */
  readonly until?: number;
}

const InstructionCodec = t.intersection([
  t.type({ ...EntryProps, instructionId: t.string, actors: StringList, teams: StringList }),
  t.partial({ until: t.number }),
]);
const InstructionsSnapshot = t.array(t.tuple([t.string, t.array(InstructionCodec)]));
export type InstructionsSnapshot = t.TypeOf<typeof InstructionsSnapshot>;

const itemKey = (type: string, id: string, field: string | undefined) =>
  `${type}\u0000${id}\u0000${field ?? ""}`;

/**
 * The instructions view: per item (a record, or one field of it) the customer's
 * instructions over time. The newest instruction at or before an instant is the one in
 * force then; it replaces the earlier ones.
 */
export class InstructionsView {
  private readonly byItem = new Map<string, Instruction[]>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type !== "confidentiality.instructed") return;
    const p = payloadOf(event, "confidentiality.instructed");
    const key = itemKey(p.resource.type, p.resource.id, p.field);
    let list = this.byItem.get(key);
    if (list === undefined) {
      list = [];
      this.byItem.set(key, list);
    }
    insertEntry(list, {
      at: ms(event.occurredAt),
      seq: event.seq,
      rec: ms(event.recordedAt),
      instructionId: p.instructionId,
      actors: p.mayKnow.actors ?? [],
      teams: p.mayKnow.teams ?? [],
      ...(p.until !== undefined ? { until: ms(p.until) } : {}),
    });
  }

  /** The instruction in force for the item at `at` (the newest at or before it). */
  instructionAt(
    type: string,
    id: string,
    field: string | undefined,
    at: number,
  ): Instruction | undefined {
    return entryAt(this.byItem.get(itemKey(type, id, field)), at);
  }

  get size(): number {
    return this.byItem.size;
  }

  /** JSON-safe state; staff ids and times only. */
  toSnapshot(): InstructionsSnapshot {
    return [...this.byItem].map(([k, list]) => [k, list.map((i) => ({ ...i }))]);
  }

  /** Write {@link InstructionsView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.pairs(this.byItem, depth);
  }

  /** Plain form of {@link InstructionsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */

  static fromSnapshotOrThrow(data: unknown): InstructionsView {
    return orThrow(InstructionsView.fromSnapshot(data));
  }

  /**
   * Rebuild the view from {@link InstructionsView.toSnapshot} output, decoding it first. A
   * snapshot written before instructions existed has no section: its ledger prefix holds
   * none, so it restores as an empty view (a widening then counts as uninstructed).
   */
  static fromSnapshot(data: unknown): E.Either<DaichoError, InstructionsView> {
    if (data === undefined) return E.right(new InstructionsView());
    return pipe(
      decodeSection(InstructionsSnapshot, data, "instructions"),
      E.map((entries) => {
        const view = new InstructionsView();
        for (const [k, list] of entries) view.byItem.set(k, list as Instruction[]);
        return view;
      }),
    );
  }
}
