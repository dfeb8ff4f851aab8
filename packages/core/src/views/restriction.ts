import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { compact, decodeSection, EntryProps } from "./codec";
import { ms, payloadOf, subjectsOf, type ViewEvent } from "./event";
import type { SnapshotWriter } from "./snapshot-tree";
import { type Entry, entriesUntil, insertEntry } from "./timeline";

export interface RestrictionEntry extends Entry {
  readonly kind: "placed" | "lifted";
  readonly restrictionId: string;
  readonly ground?:
    | "accuracy-contested"
    | "unlawful-processing"
    | "legal-claims"
    | "objection-pending";
}

const EntryCodec = t.intersection([
  t.type({ ...EntryProps, kind: t.keyof({ placed: null, lifted: null }), restrictionId: t.string }),
  t.partial({
    ground: t.keyof({
      "accuracy-contested": null,
      "unlawful-processing": null,
      "legal-claims": null,
      "objection-pending": null,
    }),
  }),
]);
const RestrictionSnapshot = t.array(t.tuple([t.string, t.array(EntryCodec)]));
export type RestrictionSnapshot = t.TypeOf<typeof RestrictionSnapshot>;

/**
 * The restriction view (GDPR Art. 18): which subjects' processing is restricted, by
 * which restriction ids, over time. A subject is restricted at `t` while some restriction
 * placed at or before `t` has not been lifted at or before `t`. While restricted, data
 * may only be stored (and used for the Art. 18(2) exceptions the host lists).
 */
export class RestrictionView {
  private readonly bySubject = new Map<string, RestrictionEntry[]>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    let entry: RestrictionEntry;
    const base = { at: ms(event.occurredAt), seq: event.seq, rec: ms(event.recordedAt) };
    if (event.type === "processing.restricted") {
      const p = payloadOf(event, "processing.restricted");
      entry = compact({
        ...base,
        kind: "placed" as const,
        restrictionId: p.restrictionId,
        ground: p.ground,
      });
    } else if (event.type === "processing.restriction-lifted") {
      const p = payloadOf(event, "processing.restriction-lifted");
      entry = { ...base, kind: "lifted", restrictionId: p.restrictionId };
    } else {
      return;
    }
    for (const subject of subjectsOf(event)) {
      let list = this.bySubject.get(subject);
      if (list === undefined) {
        list = [];
        this.bySubject.set(subject, list);
      }
      insertEntry(list, entry);
    }
  }

  /** Ids of the restrictions in force for `subject` at `at` (empty when unrestricted). */
  activeAt(subject: string, at: number, knownAt?: number): string[] {
    const list = this.bySubject.get(subject);
    if (list === undefined) return [];
    const active = new Set<string>();
    for (const e of entriesUntil(list, at, knownAt)) {
      if (e.kind === "placed") active.add(e.restrictionId);
      else active.delete(e.restrictionId);
    }
    return [...active];
  }

  /** True when some restriction is in force for `subject` at `at`. */
  isRestrictedAt(subject: string, at: number): boolean {
    return this.bySubject.has(subject) && this.activeAt(subject, at).length > 0;
  }

  /** JSON-safe state; identifiers, labels and times only. */
  toSnapshot(): RestrictionSnapshot {
    return [...this.bySubject];
  }

  /** Write {@link RestrictionView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.pairs(this.bySubject, depth);
  }

  /** Rebuild the view from {@link RestrictionView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, RestrictionView> {
    return pipe(
      decodeSection(RestrictionSnapshot, data, "restriction"),
      E.map((snap) => {
        const view = new RestrictionView();
        for (const [s, list] of snap) view.bySubject.set(s, list as RestrictionEntry[]);
        return view;
      }),
    );
  }

  /** Plain form of {@link RestrictionView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): RestrictionView {
    return orThrow(RestrictionView.fromSnapshot(data));
  }
}
