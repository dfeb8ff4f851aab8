import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import type { ClassificationLevel } from "../events/catalogue";
import { Country } from "../events/country";
import { orThrow } from "../plain";
import { compact, decodeSection, EntryProps, StringList } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import type { SnapshotWriter } from "./snapshot-tree";
import { type Entry, entryAt, insertEntry } from "./timeline";

/** One step of an actor's lifecycle: onboarding (or a profile change) and offboarding. */
export interface ActorEntry extends Entry {
  readonly kind: "onboarded" | "offboarded";
  readonly roles?: readonly string[];
  readonly teams?: readonly string[];
  readonly organisation?: string;
  readonly clearance?: ClassificationLevel;
  /** ISO 3166-1 alpha-2 country the actor works from (issue 14 item 9), when onboarding said. */
  readonly country?: Country;
}

/** An actor as known at one instant. `unknown` means never onboarded by then. */
export interface ActorStatus {
  readonly status: "active" | "offboarded" | "unknown";
  readonly roles: readonly string[];
  readonly teams: readonly string[];
  readonly organisation?: string;
  readonly clearance?: ClassificationLevel;
  /** Where the actor works from (cross-border transfers, APPI Art. 28, GDPR Chapter V). */
  readonly country?: Country;
  /** When the current status took effect (epoch ms). */
  readonly since?: number;
}

const NONE: readonly string[] = Object.freeze([]);
const UNKNOWN: ActorStatus = Object.freeze({ status: "unknown", roles: NONE, teams: NONE });

const ActorEntryCodec = t.intersection([
  t.type({ ...EntryProps, kind: t.keyof({ onboarded: null, offboarded: null }) }),
  t.partial({
    roles: StringList,
    teams: StringList,
    organisation: t.string,
    clearance: t.keyof({
      public: null,
      internal: null,
      confidential: null,
      "strictly-confidential": null,
    }),
    country: Country,
  }),
]);
const ActorsSnapshot = t.array(t.tuple([t.string, t.array(ActorEntryCodec)]));
export type ActorsSnapshot = t.TypeOf<typeof ActorsSnapshot>;

/**
 * The actors view: each staff member's or system's lifecycle from `actor.onboarded` and
 * `actor.offboarded`. A later onboarding replaces the profile (roles, teams, clearance,
 * organisation, country);
 * an offboarding ends everything at once, and only a newer onboarding restores the actor.
 */
export class ActorsView {
  private readonly lifecycles = new Map<string, ActorEntry[]>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type === "actor.onboarded") {
      const p = payloadOf(event, "actor.onboarded");
      this.add(
        p.actorId,
        compact({
          at: ms(event.occurredAt),
          seq: event.seq,
          rec: ms(event.recordedAt),
          kind: "onboarded" as const,
          roles: p.roles,
          teams: p.teams,
          organisation: p.organisation,
          clearance: p.clearance,
          country: p.country,
        }),
      );
    } else if (event.type === "actor.offboarded") {
      const p = payloadOf(event, "actor.offboarded");
      this.add(p.actorId, {
        at: ms(event.occurredAt),
        seq: event.seq,
        rec: ms(event.recordedAt),
        kind: "offboarded",
      });
    }
  }

  private add(actorId: string, entry: ActorEntry): void {
    let list = this.lifecycles.get(actorId);
    if (list === undefined) {
      list = [];
      this.lifecycles.set(actorId, list);
    }
    insertEntry(list, entry);
  }

  /** The lifecycle entry in effect for `actorId` at `at` (epoch ms), if any. */
  entryAt(actorId: string, at: number, knownAt?: number): ActorEntry | undefined {
    return entryAt(this.lifecycles.get(actorId), at, knownAt);
  }

  /** The actor's status, roles, teams and clearance at `at`; `unknown` if never onboarded by then. */
  statusAt(actorId: string, at: number, knownAt?: number): ActorStatus {
    const e = this.entryAt(actorId, at, knownAt);
    if (e === undefined) return UNKNOWN;
    if (e.kind === "offboarded")
      return { status: "offboarded", roles: NONE, teams: NONE, since: e.at };
    return compact({
      status: "active" as const,
      roles: e.roles ?? NONE,
      teams: e.teams ?? NONE,
      organisation: e.organisation,
      clearance: e.clearance,
      country: e.country,
      since: e.at,
    });
  }

  /** Every time `actorId` was offboarded, oldest first. */
  offboardings(actorId: string): number[] {
    return (this.lifecycles.get(actorId) ?? [])
      .filter((e) => e.kind === "offboarded")
      .map((e) => e.at);
  }

  /** Ids of every actor the view has seen. */
  actorIds(): IterableIterator<string> {
    return this.lifecycles.keys();
  }

  get size(): number {
    return this.lifecycles.size;
  }

  /** JSON-safe state; identifiers and labels only. */
  toSnapshot(): ActorsSnapshot {
    return [...this.lifecycles].map(([id, list]) => [id, list.map((e) => ({ ...e }))]);
  }

  /** Write {@link ActorsView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.pairs(this.lifecycles, depth);
  }

  /** Rebuild the view from {@link ActorsView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, ActorsView> {
    return pipe(
      decodeSection(ActorsSnapshot, data, "actors"),
      E.map((entries) => {
        const view = new ActorsView();
        for (const [id, list] of entries) view.lifecycles.set(id, list as ActorEntry[]);
        return view;
      }),
    );
  }

  /** Plain form of {@link ActorsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): ActorsView {
    return orThrow(ActorsView.fromSnapshot(data));
  }
}
