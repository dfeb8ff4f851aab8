import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import type { ClassificationLevel } from "../events/catalogue";
import { orThrow } from "../plain";
import { compact, decodeSection, EntryProps, StringList } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";
import type { SnapshotWriter } from "./snapshot-tree";
import { type Entry, entryAt, insertEntry } from "./timeline";

/** Classification levels in increasing order of sensitivity. */
export const LEVELS: readonly ClassificationLevel[] = [
  "public",
  "internal",
  "confidential",
  "strictly-confidential",
];

/** Rank of a level: public 0 … strictly-confidential 3. */
export function levelRank(level: ClassificationLevel): number {
  return LEVELS.indexOf(level);
}

/**
 * Who may be told about a confidential item, and until when: the "confidential, don't
 * share it even inside the company" case. While a scope is in force only the listed
 * actors, members of the listed teams, and the actor who set the scope may learn the item,
 * whatever their grants or clearance say.
 */
export interface ScopeRule {
  readonly actors?: readonly string[];
  readonly teams?: readonly string[];
  /** Epoch ms from which the scope no longer applies (the level still does). */
  readonly until?: number;
  /** The actor who set the scope (always inside it). */
  readonly by: string;
}

export interface ClassEntry extends Entry {
  readonly level: ClassificationLevel;
  readonly scope?: ScopeRule;
}

/** True when `scope` is in force at `at` and does not include the actor. */
export function outsideScope(
  scope: ScopeRule | undefined,
  at: number,
  actorId: string,
  teams: readonly string[],
): boolean {
  if (scope === undefined) return false;
  if (scope.until !== undefined && at >= scope.until) return false;
  if (scope.by === actorId) return false;
  if (scope.actors?.includes(actorId)) return false;
  if (scope.teams !== undefined)
    for (const team of teams) if (scope.teams.includes(team)) return false;
  return true;
}

interface ResourceClass {
  readonly own: ClassEntry[];
  readonly fields: Map<string, ClassEntry[]>;
}

/**
 * One resource's classification timelines, read-only: lets `decide()` look the resource up
 * once and read its own and its fields' entries from there (see {@link ClassificationView.timelines}).
 */
export interface ResourceTimelines {
  readonly own: readonly ClassEntry[];
  readonly fields: ReadonlyMap<string, readonly ClassEntry[]>;
}

/** The entry in effect at `at` for the resource (`field` undefined) or one of its fields. */
export function timelineEntryAt(
  rc: ResourceTimelines | undefined,
  field: string | undefined,
  at: number,
): ClassEntry | undefined {
  if (rc === undefined) return undefined;
  return entryAt(field === undefined ? rc.own : rc.fields.get(field), at);
}

const LevelCodec = t.keyof({
  public: null,
  internal: null,
  confidential: null,
  "strictly-confidential": null,
});
const ClassEntryCodec = t.intersection([
  t.type({ ...EntryProps, level: LevelCodec }),
  t.partial({
    scope: t.intersection([
      t.type({ by: t.string }),
      t.partial({ actors: StringList, teams: StringList, until: t.number }),
    ]),
  }),
]);
const ClassificationSnapshot = t.array(
  t.tuple([
    t.string,
    t.array(
      t.tuple([
        t.string,
        t.array(ClassEntryCodec),
        t.array(t.tuple([t.string, t.array(ClassEntryCodec)])),
      ]),
    ),
  ]),
);
export type ClassificationSnapshot = t.TypeOf<typeof ClassificationSnapshot>;

/**
 * The classification view: the level of each resource and of each of its fields over
 * time, and the disclosure scope of confidential items, from `classification.changed`.
 * An item never classified has no entry; `decide` then applies the host's default level.
 */
export class ClassificationView {
  private readonly byType = new Map<string, Map<string, ResourceClass>>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    if (event.type !== "classification.changed") return;
    const p = payloadOf(event, "classification.changed");
    const scope =
      p.scope === undefined
        ? undefined
        : compact({
            actors: p.scope.actors,
            teams: p.scope.teams,
            until: p.scope.until === undefined ? undefined : ms(p.scope.until),
            by: event.actor.id as string,
          });
    const entry: ClassEntry = compact({
      at: ms(event.occurredAt),
      seq: event.seq,
      rec: ms(event.recordedAt),
      level: p.level,
      scope,
    });
    const rc = this.resourceClass(p.resource.type, p.resource.id, true) as ResourceClass;
    if (p.field === undefined) {
      insertEntry(rc.own, entry);
      return;
    }
    let list = rc.fields.get(p.field);
    if (list === undefined) {
      list = [];
      rc.fields.set(p.field, list);
    }
    insertEntry(list, entry);
  }

  private resourceClass(type: string, id: string, create: boolean): ResourceClass | undefined {
    let ids = this.byType.get(type);
    if (ids === undefined) {
      if (!create) return undefined;
      ids = new Map();
      this.byType.set(type, ids);
    }
    let rc = ids.get(id);
    if (rc === undefined && create) {
      rc = { own: [], fields: new Map() };
      ids.set(id, rc);
    }
    return rc;
  }

  /** The resource-level classification in effect at `at`, if any was ever set. */
  resourceAt(type: string, id: string, at: number, knownAt?: number): ClassEntry | undefined {
    return entryAt(this.resourceClass(type, id, false)?.own, at, knownAt);
  }

  /** The field-level classification in effect at `at`, if any was ever set. */
  fieldAt(
    type: string,
    id: string,
    field: string,
    at: number,
    knownAt?: number,
  ): ClassEntry | undefined {
    return entryAt(this.resourceClass(type, id, false)?.fields.get(field), at, knownAt);
  }

  /**
   * The entry just before `entry` in its timeline (the resource's own, or `field`'s), if
   * any: what a disclosure scope replaced, for the マル秘 widening check.
   */
  entryBefore(
    type: string,
    id: string,
    field: string | undefined,
    entry: ClassEntry,
  ): ClassEntry | undefined {
    const rc = this.resourceClass(type, id, false);
    const list = field === undefined ? rc?.own : rc?.fields.get(field);
    const i = list === undefined ? -1 : list.indexOf(entry);
    return i > 0 ? list?.[i - 1] : undefined;
  }

  /** The resource's classification timelines (live, read-only), or undefined if none was ever set. */
  timelines(type: string, id: string): ResourceTimelines | undefined {
    return this.resourceClass(type, id, false);
  }

  /** True when the resource has any field-level entries (lets `decide` skip field lookups). */
  hasFieldEntries(type: string, id: string): boolean {
    const rc = this.resourceClass(type, id, false);
    return rc !== undefined && rc.fields.size > 0;
  }

  /** JSON-safe state; identifiers, labels and times only. */
  toSnapshot(): ClassificationSnapshot {
    return [...this.byType].map(([type, ids]) => [
      type,
      [...ids].map(
        ([id, rc]) =>
          [id, rc.own, [...rc.fields]] as [string, ClassEntry[], [string, ClassEntry[]][]],
      ),
    ]);
  }

  /** Write {@link ClassificationView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.pairsWith(this.byType, depth, (ids, d) => {
      w.array(ids.size, d);
      for (const [id, rc] of ids) {
        w.array(3, d + 1);
        w.value(id, d + 2);
        w.value(rc.own, d + 2);
        w.pairs(rc.fields, d + 2);
      }
    });
  }

  /** Rebuild the view from {@link ClassificationView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, ClassificationView> {
    return pipe(
      decodeSection(ClassificationSnapshot, data, "classification"),
      E.map((snap) => {
        const view = new ClassificationView();
        for (const [type, ids] of snap) {
          const m = new Map<string, ResourceClass>();
          for (const [id, own, fields] of ids)
            m.set(id, {
              own: own as ClassEntry[],
              fields: new Map(fields as [string, ClassEntry[]][]),
            });
          view.byType.set(type, m);
        }
        return view;
      }),
    );
  }

  /** Plain form of {@link ClassificationView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): ClassificationView {
    return orThrow(ClassificationView.fromSnapshot(data));
  }
}
