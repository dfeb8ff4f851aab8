import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { decodeSection, EntryProps, StringList } from "./codec";
import { ms, payloadOf, subjectsOf, type ViewEvent } from "./event";
import type { SnapshotWriter } from "./snapshot-tree";
import { type Entry, entriesUntil, insertEntry } from "./timeline";

/** Where some of a subject's data came from (a web form, an imported file, a card scan…). */
export interface ProvenanceEntry extends Entry {
  readonly eventId: string;
  readonly source: "web-form" | "import-file" | "card-scan" | "integration" | "manual";
  readonly fields: readonly string[];
  /** The actor who recorded it. */
  readonly recordedBy: string;
  readonly reference?: string;
  /** Who the data was obtained from (APPI Art. 30: the provider, when a third party). */
  readonly obtainedFrom?: string;
  /** When the data was collected, if different from the event's occurredAt (epoch ms). */
  readonly collectedAt?: number;
}

const EntryCodec = t.intersection([
  t.type({
    ...EntryProps,
    eventId: t.string,
    source: t.keyof({
      "web-form": null,
      "import-file": null,
      "card-scan": null,
      integration: null,
      manual: null,
    }),
    fields: StringList,
    recordedBy: t.string,
  }),
  t.partial({ reference: t.string, obtainedFrom: t.string, collectedAt: t.number }),
]);
const ProvenanceSnapshot = t.array(t.tuple([t.string, t.array(EntryCodec)]));
export type ProvenanceSnapshot = t.TypeOf<typeof ProvenanceSnapshot>;

/**
 * The provenance view: for each subject, every recorded origin of their data
 * (`provenance.recorded`), which answers GDPR Art. 15(1)(g) and Art. 14 "source" questions
 * and APPI Art. 30's "how the provider obtained it".
 */
export class ProvenanceView {
  private readonly bySubject = new Map<string, ProvenanceEntry[]>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type !== "provenance.recorded") return;
    const p = payloadOf(event, "provenance.recorded");
    const entry: { -readonly [K in keyof ProvenanceEntry]: ProvenanceEntry[K] } = {
      at: ms(event.occurredAt),
      seq: event.seq,
      rec: ms(event.recordedAt),
      eventId: event.id,
      source: p.source,
      fields: p.fields,
      recordedBy: event.actor.id as string,
    };
    if (p.reference !== undefined) entry.reference = p.reference;
    if (p.obtainedFrom !== undefined) entry.obtainedFrom = p.obtainedFrom;
    if (p.collectedAt !== undefined) entry.collectedAt = ms(p.collectedAt);
    for (const subject of subjectsOf(event)) {
      let list = this.bySubject.get(subject);
      if (list === undefined) {
        list = [];
        this.bySubject.set(subject, list);
      }
      insertEntry(list, entry);
    }
  }

  /** Every origin recorded for `subject` up to `at` (default: all), oldest first. */
  sourcesOf(subject: string, at = Number.POSITIVE_INFINITY, knownAt?: number): ProvenanceEntry[] {
    return entriesUntil(this.bySubject.get(subject), at, knownAt);
  }

  /** The origins that supplied `field` for `subject`, oldest first. */
  sourcesOfField(subject: string, field: string): ProvenanceEntry[] {
    return (this.bySubject.get(subject) ?? []).filter((e) => e.fields.includes(field));
  }

  get subjectCount(): number {
    return this.bySubject.size;
  }

  /** JSON-safe state; identifiers, labels and times only. */
  toSnapshot(): ProvenanceSnapshot {
    return [...this.bySubject];
  }

  /** Write {@link ProvenanceView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.pairs(this.bySubject, depth);
  }

  /** Rebuild the view from {@link ProvenanceView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, ProvenanceView> {
    return pipe(
      decodeSection(ProvenanceSnapshot, data, "provenance"),
      E.map((snap) => {
        const view = new ProvenanceView();
        for (const [s, list] of snap) view.bySubject.set(s, list as ProvenanceEntry[]);
        return view;
      }),
    );
  }

  /** Plain form of {@link ProvenanceView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): ProvenanceView {
    return orThrow(ProvenanceView.fromSnapshot(data));
  }
}
