import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import type { LawfulBasis } from "../events/catalogue";
import { orThrow } from "../plain";
import { decodeSection, EntryProps } from "./codec";
import { ms, payloadOf, subjectsOf, type ViewEvent } from "./event";
import type { SnapshotWriter } from "./snapshot-tree";
import { type Entry, entriesUntil, entryAt, insertEntry } from "./timeline";

/** Status of one subject's consent (or other recorded basis) for one purpose. */
export type ConsentStatus = "granted" | "withdrawn" | "expired" | "never-asked";

/**
 * What GDPR Art. 7(1) asks a controller to be able to show: who captured the consent,
 * how, under which wording, and when. Identifiers only; never the person's own words.
 */
export interface ConsentEvidenceRef {
  readonly channel: string;
  readonly wordingVersion: string;
  readonly capturedBy: string;
  readonly reference?: string;
}

export interface ConsentEntry extends Entry {
  readonly kind: "granted" | "withdrawn" | "expired";
  readonly eventId: string;
  readonly basis?: LawfulBasis;
  readonly evidence?: ConsentEvidenceRef;
  /** Epoch ms after which a grant lapses by itself. */
  readonly expiresAt?: number;
}

/** The answer to "may we process this subject's data for this purpose at t?". */
export interface ConsentAnswer {
  readonly status: ConsentStatus;
  /** The entry that decides the status (absent for never-asked). */
  readonly entry?: ConsentEntry;
}

const Basis = t.keyof({
  consent: null,
  contract: null,
  "legal-obligation": null,
  "vital-interests": null,
  "public-task": null,
  "legitimate-interests": null,
  "appi-opt-out": null,
});
const EntryCodec = t.intersection([
  t.type({
    ...EntryProps,
    kind: t.keyof({ granted: null, withdrawn: null, expired: null }),
    eventId: t.string,
  }),
  t.partial({
    basis: Basis,
    evidence: t.intersection([
      t.type({ channel: t.string, wordingVersion: t.string, capturedBy: t.string }),
      t.partial({ reference: t.string }),
    ]),
    expiresAt: t.number,
  }),
]);
const ConsentSnapshot = t.array(
  t.tuple([t.string, t.array(t.tuple([t.string, t.array(EntryCodec)]))]),
);
export type ConsentSnapshot = t.TypeOf<typeof ConsentSnapshot>;

const NEVER: ConsentAnswer = Object.freeze({ status: "never-asked" });

/**
 * The consent view: per subject and purpose, the timeline of grants (with lawful basis
 * and evidence), withdrawals and expiries, from `consent.*` events. A grant applies to
 * every subject the event names. Answers any instant: `answerAt(s, p, Date.parse("2026-04-01"))`.
 */
export class ConsentView {
  private readonly bySubject = new Map<string, Map<string, ConsentEntry[]>>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    let entry: ConsentEntry;
    let purpose: string;
    const base = {
      at: ms(event.occurredAt),
      seq: event.seq,
      rec: ms(event.recordedAt),
      eventId: event.id,
    };
    if (event.type === "consent.granted") {
      const p = payloadOf(event, "consent.granted");
      purpose = p.purpose;
      const granted: { -readonly [K in keyof ConsentEntry]: ConsentEntry[K] } = {
        ...base,
        kind: "granted",
        basis: p.lawfulBasis,
        evidence: evidenceOf(p.evidence),
      };
      if (p.expiresAt !== undefined) granted.expiresAt = ms(p.expiresAt);
      entry = granted;
    } else if (event.type === "consent.withdrawn") {
      const p = payloadOf(event, "consent.withdrawn");
      purpose = p.purpose;
      entry = { ...base, kind: "withdrawn", evidence: evidenceOf(p.evidence) };
    } else if (event.type === "consent.expired") {
      purpose = payloadOf(event, "consent.expired").purpose;
      entry = { ...base, kind: "expired" };
    } else {
      return;
    }
    for (const subject of subjectsOf(event)) {
      let purposes = this.bySubject.get(subject);
      if (purposes === undefined) {
        purposes = new Map();
        this.bySubject.set(subject, purposes);
      }
      let list = purposes.get(purpose);
      if (list === undefined) {
        list = [];
        purposes.set(purpose, list);
      }
      insertEntry(list, entry);
    }
  }

  /**
   * The status of `subject`'s consent for `purpose` at `at` (epoch ms), optionally as
   * the ledger knew it at `knownAt`. A grant whose own `expiresAt` has passed is `expired`.
   */
  answerAt(subject: string, purpose: string, at: number, knownAt?: number): ConsentAnswer {
    const entry = entryAt(this.bySubject.get(subject)?.get(purpose), at, knownAt);
    if (entry === undefined) return NEVER;
    if (entry.kind === "granted") {
      const expired = entry.expiresAt !== undefined && entry.expiresAt <= at;
      return { status: expired ? "expired" : "granted", entry };
    }
    return { status: entry.kind, entry };
  }

  /** Only the status, without allocating; the hot path of `decide`. */
  statusAt(subject: string, purpose: string, at: number): ConsentStatus {
    const entry = entryAt(this.bySubject.get(subject)?.get(purpose), at);
    if (entry === undefined) return "never-asked";
    if (entry.kind !== "granted") return entry.kind;
    return entry.expiresAt !== undefined && entry.expiresAt <= at ? "expired" : "granted";
  }

  /** Every purpose with any record for `subject`, each with its status at `at`. */
  purposesAt(subject: string, at: number, knownAt?: number): Map<string, ConsentAnswer> {
    const out = new Map<string, ConsentAnswer>();
    for (const purpose of this.bySubject.get(subject)?.keys() ?? []) {
      const answer = this.answerAt(subject, purpose, at, knownAt);
      if (answer.status !== "never-asked") out.set(purpose, answer);
    }
    return out;
  }

  /** The full history for one subject and purpose up to `at`, oldest first (evidence trail). */
  historyUntil(subject: string, purpose: string, at: number): ConsentEntry[] {
    return entriesUntil(this.bySubject.get(subject)?.get(purpose), at);
  }

  get subjectCount(): number {
    return this.bySubject.size;
  }

  /** JSON-safe state; identifiers, labels and times only. */
  toSnapshot(): ConsentSnapshot {
    return [...this.bySubject].map(([s, purposes]) => [s, [...purposes].map(([p, l]) => [p, l])]);
  }

  /** Write {@link ConsentView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.pairsWith(this.bySubject, depth, (purposes, d) => w.pairs(purposes, d));
  }

  /** Rebuild the view from {@link ConsentView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, ConsentView> {
    return pipe(
      decodeSection(ConsentSnapshot, data, "consent"),
      E.map((snap) => {
        const view = new ConsentView();
        for (const [s, purposes] of snap)
          view.bySubject.set(s, new Map(purposes as [string, ConsentEntry[]][]));
        return view;
      }),
    );
  }

  /** Plain form of {@link ConsentView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): ConsentView {
    return orThrow(ConsentView.fromSnapshot(data));
  }
}

function evidenceOf(e: {
  channel: string;
  wordingVersion: string;
  capturedBy: string;
  reference?: string;
}): ConsentEvidenceRef {
  const out: { -readonly [K in keyof ConsentEvidenceRef]: ConsentEvidenceRef[K] } = {
    channel: e.channel,
    wordingVersion: e.wordingVersion,
    capturedBy: e.capturedBy,
  };
  if (e.reference !== undefined) out.reference = e.reference;
  return out;
}
