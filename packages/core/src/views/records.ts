import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { orThrow } from "../plain";
import { compact, decodeSection, StringList } from "./codec";
import { ms, payloadOf, subjectsOf, type ViewEvent } from "./event";
import { defined, type SnapshotWriter } from "./snapshot-tree";

/** What the ledger knows about one CRM record (a contact, a deal…): never its contents. */
export interface RecordInfo {
  /** The data subjects the record is about (from the envelope of its events). */
  readonly subjects: string[];
  /** The actor whose `record.created` introduced it; used by owner-scoped grants. */
  owner?: string;
  createdAt?: number;
  deletedAt?: number;
  /** Names of the fields ever written. */
  readonly fields: string[];
}

/** A subject's erasure status, from `erasure.requested` and `erasure.completed`. */
export interface ErasureInfo {
  requestedAt?: number;
  erasedAt?: number;
}

const RecordCodec = t.intersection([
  t.type({ subjects: StringList, fields: StringList }),
  t.partial({ owner: t.string, createdAt: t.number, deletedAt: t.number }),
]);
const ErasureCodec = t.partial({ requestedAt: t.number, erasedAt: t.number });
const RecordsSnapshot = t.type({
  records: t.array(t.tuple([t.string, t.array(t.tuple([t.string, RecordCodec]))])),
  erasures: t.array(t.tuple([t.string, ErasureCodec])),
});
export type RecordsSnapshot = t.TypeOf<typeof RecordsSnapshot>;

/**
 * The records view: which data subjects each resource is about, who created it, which
 * fields it has had, whether it was deleted; and which subjects were erased
 * (`erasure.completed` means the subject's keys are destroyed: nothing may be processed).
 * `decide` uses it to find the subjects behind a resource.
 */
export class RecordsView {
  private readonly byType = new Map<string, Map<string, RecordInfo>>();
  private readonly erasures = new Map<string, ErasureInfo>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    switch (event.type) {
      case "record.created":
      case "record.updated": {
        const p = payloadOf(event, "record.created");
        const info = this.info(p.resource.type, p.resource.id, true) as RecordInfo;
        addAll(info.subjects, subjectsOf(event));
        addAll(info.fields, p.fields);
        if (event.type === "record.created" && info.createdAt === undefined) {
          info.createdAt = ms(event.occurredAt);
          info.owner = event.actor.id;
        }
        return;
      }
      case "record.deleted": {
        const p = payloadOf(event, "record.deleted");
        const info = this.info(p.resource.type, p.resource.id, true) as RecordInfo;
        addAll(info.subjects, subjectsOf(event));
        const at = ms(event.occurredAt);
        if (info.deletedAt === undefined || at < info.deletedAt) info.deletedAt = at;
        return;
      }
      case "erasure.requested":
      case "erasure.completed": {
        const at = ms(event.occurredAt);
        const key = event.type === "erasure.requested" ? "requestedAt" : "erasedAt";
        for (const s of subjectsOf(event)) {
          let e = this.erasures.get(s);
          if (e === undefined) {
            e = {};
            this.erasures.set(s, e);
          }
          const prev = e[key];
          if (prev === undefined || at < prev) e[key] = at;
        }
        return;
      }
    }
  }

  private info(type: string, id: string, create: boolean): RecordInfo | undefined {
    let ids = this.byType.get(type);
    if (ids === undefined) {
      if (!create) return undefined;
      ids = new Map();
      this.byType.set(type, ids);
    }
    let info = ids.get(id);
    if (info === undefined && create) {
      info = { subjects: [], fields: [] };
      ids.set(id, info);
    }
    return info;
  }

  /** What is known about a resource, or undefined when no event mentioned it. */
  record(type: string, id: string): Readonly<RecordInfo> | undefined {
    return this.info(type, id, false);
  }

  /** The erasure status of `subject`, or undefined when no erasure was ever requested. */
  erasure(subject: string): Readonly<ErasureInfo> | undefined {
    return this.erasures.get(subject);
  }

  /** True when `subject` was erased at or before `at`. */
  isErasedAt(subject: string, at: number): boolean {
    const e = this.erasures.get(subject);
    return e?.erasedAt !== undefined && e.erasedAt <= at;
  }

  /** JSON-safe state; identifiers, field names and times only. */
  toSnapshot(): RecordsSnapshot {
    return {
      records: [...this.byType].map(([type, ids]) => [
        type,
        [...ids].map(([id, r]) => [
          id,
          compact({
            subjects: r.subjects,
            fields: r.fields,
            owner: r.owner,
            createdAt: r.createdAt,
            deletedAt: r.deletedAt,
          }),
        ]),
      ]),
      erasures: [...this.erasures].map(([s, e]) => [
        s,
        compact({ requestedAt: e.requestedAt, erasedAt: e.erasedAt }),
      ]),
    };
  }

  /** Write {@link RecordsView.toSnapshot} output at `depth` without building it: the same bytes. */
  writeSnapshot(w: SnapshotWriter, depth: number): void {
    w.object(2, depth);
    w.key("records");
    w.pairsWith(this.byType, depth + 1, (ids, d) =>
      w.pairsWith(ids, d, (r, at) => {
        // compact({ subjects, fields, owner, createdAt, deletedAt }), in that order
        w.object(2 + defined(r.owner) + defined(r.createdAt) + defined(r.deletedAt), at);
        w.member("subjects", r.subjects, at);
        w.member("fields", r.fields, at);
        w.member("owner", r.owner, at);
        w.member("createdAt", r.createdAt, at);
        w.member("deletedAt", r.deletedAt, at);
      }),
    );
    w.key("erasures");
    w.pairsWith(this.erasures, depth + 1, (e, at) => {
      w.object(defined(e.requestedAt) + defined(e.erasedAt), at);
      w.member("requestedAt", e.requestedAt, at);
      w.member("erasedAt", e.erasedAt, at);
    });
  }

  /** Rebuild the view from {@link RecordsView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, RecordsView> {
    return pipe(
      decodeSection(RecordsSnapshot, data, "records"),
      E.map((snap) => {
        const view = new RecordsView();
        for (const [type, ids] of snap.records) {
          const m = new Map<string, RecordInfo>();
          for (const [id, r] of ids)
            m.set(id, { ...r, subjects: [...r.subjects], fields: [...r.fields] });
          view.byType.set(type, m);
        }
        for (const [s, e] of snap.erasures) view.erasures.set(s, e);
        return view;
      }),
    );
  }

  /** Plain form of {@link RecordsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): RecordsView {
    return orThrow(RecordsView.fromSnapshot(data));
  }
}

function addAll(target: string[], items: readonly string[]): void {
  for (const x of items) if (!target.includes(x)) target.push(x);
}
