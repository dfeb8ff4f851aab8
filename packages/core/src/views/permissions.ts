import * as E from "fp-ts/lib/Either.js";
import { pipe } from "fp-ts/lib/function.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import type { Action, ClassificationLevel } from "../events/catalogue";
import { orThrow } from "../plain";
import { decodeSection, endFromJson, endToJson, OpenEnd, StringList } from "./codec";
import { ms, payloadOf, type ViewEvent } from "./event";

/** Why a grant stopped being in force. */
export type GrantEnd = "expired" | "revoked" | "offboarded" | "superseded";

/**
 * One version of a grant. A grant is in force at `t` when `grantedAt ≤ t < endsAt()`.
 * The end is the earliest of its expiry, a revocation of its id, an offboarding of its
 * actor, and a newer version of the same id — each counted only when it is not older
 * than the grant. The result depends on the set of events, not on the order they were
 * recorded in: a backdated grant recorded after a revocation is still revoked.
 */
export interface GrantRecord {
  readonly grantId: string;
  readonly seq: number;
  readonly rec: number;
  readonly actor?: string;
  readonly role?: string;
  readonly resourceType: string;
  readonly resourceIds?: ReadonlySet<string>;
  readonly subjects?: ReadonlySet<string>;
  readonly owner?: string;
  readonly actions: readonly Action[];
  readonly purposes: readonly string[];
  readonly fields?: ReadonlySet<string>;
  readonly clearance?: ClassificationLevel;
  /** The outsourcing contract (委託契約) the grant is tied to; it lapses with it. */
  readonly contractId?: string;
  readonly grantedBy: string;
  readonly grantedAt: number;
  readonly expiresAt: number;
  revokedAt: number;
  offboardedAt: number;
  supersededAt: number;
}

/** When a grant stops being in force (epoch ms; Infinity if open-ended). */
export function grantEndsAt(g: GrantRecord): number {
  return Math.min(g.expiresAt, g.revokedAt, g.offboardedAt, g.supersededAt);
}

/** Why a grant ended by `at`, or undefined while it is in force. */
export function grantEndReason(g: GrantRecord, at: number): GrantEnd | undefined {
  if (at < grantEndsAt(g)) return undefined;
  if (g.revokedAt <= at) return "revoked";
  if (g.offboardedAt <= at) return "offboarded";
  if (g.supersededAt <= at) return "superseded";
  return "expired";
}

const INF = Number.POSITIVE_INFINITY;

const GrantJson = t.intersection([
  t.type({
    grantId: t.string,
    seq: t.number,
    rec: t.number,
    resourceType: t.string,
    actions: t.array(
      t.keyof({ read: null, create: null, update: null, delete: null, export: null, share: null }),
    ),
    purposes: StringList,
    grantedBy: t.string,
    grantedAt: t.number,
    expiresAt: OpenEnd,
    revokedAt: OpenEnd,
    offboardedAt: OpenEnd,
    supersededAt: OpenEnd,
  }),
  t.partial({
    actor: t.string,
    role: t.string,
    resourceIds: StringList,
    subjects: StringList,
    owner: t.string,
    fields: StringList,
    clearance: t.keyof({
      public: null,
      internal: null,
      confidential: null,
      "strictly-confidential": null,
    }),
    contractId: t.string,
  }),
]);
const PermissionsSnapshot = t.type({
  grants: t.array(GrantJson),
  revocations: t.array(t.tuple([t.string, t.array(t.number)])),
  offboardings: t.array(t.tuple([t.string, t.array(t.number)])),
});
export type PermissionsSnapshot = t.TypeOf<typeof PermissionsSnapshot>;

/**
 * The permissions view: who (an actor, or everyone holding a role) may do which actions
 * on which resources and fields, for which purposes, until when. Revocations and
 * offboardings always win over older grants (docs/views-and-decisions.md §3.2).
 */
export class PermissionsView {
  /** Every version of every grant, in ledger order. */
  private readonly grants: GrantRecord[] = [];
  private readonly byId = new Map<string, GrantRecord[]>();
  private readonly byActor = new Map<string, GrantRecord[]>();
  private readonly byRole = new Map<string, GrantRecord[]>();
  /** Revocation times per grant id, kept so a grant recorded later is still revoked. */
  private readonly revocations = new Map<string, number[]>();
  private readonly offboardings = new Map<string, number[]>();

  /** Fold one event into the view (ignores types it does not track). */
  apply(event: ViewEvent): void {
    switch (event.type) {
      case "permission.granted":
        this.grant(event);
        return;
      case "permission.revoked": {
        const p = payloadOf(event, "permission.revoked");
        const at = ms(event.occurredAt);
        push(this.revocations, p.grantId, at);
        for (const g of this.byId.get(p.grantId) ?? []) {
          if (g.grantedAt <= at && at < g.revokedAt) g.revokedAt = at;
        }
        return;
      }
      case "actor.offboarded": {
        const p = payloadOf(event, "actor.offboarded");
        const at = ms(event.occurredAt);
        push(this.offboardings, p.actorId, at);
        for (const g of this.byActor.get(p.actorId) ?? []) {
          if (g.grantedAt <= at && at < g.offboardedAt) g.offboardedAt = at;
        }
        return;
      }
    }
  }

  private grant(event: ViewEvent): void {
    const p = payloadOf(event, "permission.granted");
    const grantedAt = ms(event.occurredAt);
    const actor = "actor" in p.grantee ? (p.grantee.actor as string) : undefined;
    const record: GrantRecord = {
      grantId: p.grantId,
      seq: event.seq,
      rec: ms(event.recordedAt),
      ...(actor !== undefined ? { actor } : { role: (p.grantee as { role: string }).role }),
      resourceType: p.scope.resourceType,
      ...(p.scope.resourceIds ? { resourceIds: new Set<string>(p.scope.resourceIds) } : {}),
      ...(p.scope.subjects ? { subjects: new Set<string>(p.scope.subjects) } : {}),
      ...(p.scope.owner ? { owner: p.scope.owner } : {}),
      actions: p.actions,
      purposes: p.purposes,
      ...(p.fields ? { fields: new Set<string>(p.fields) } : {}),
      ...(p.clearance ? { clearance: p.clearance } : {}),
      ...(p.contractId ? { contractId: p.contractId } : {}),
      grantedBy: p.grantedBy,
      grantedAt,
      expiresAt: p.expiresAt === undefined ? INF : ms(p.expiresAt),
      revokedAt: firstNotBefore(this.revocations.get(p.grantId), grantedAt),
      offboardedAt:
        actor === undefined ? INF : firstNotBefore(this.offboardings.get(actor), grantedAt),
      supersededAt: INF,
    };
    this.index(record);
    this.resupersede(p.grantId);
  }

  private index(g: GrantRecord): void {
    this.grants.push(g);
    push(this.byId, g.grantId, g);
    if (g.actor !== undefined) push(this.byActor, g.actor, g);
    else push(this.byRole, g.role as string, g);
  }

  /** Each version of a grant id ends where the next (by grant time, then seq) begins. */
  private resupersede(grantId: string): void {
    const versions = [...(this.byId.get(grantId) ?? [])].sort(
      (a, b) => a.grantedAt - b.grantedAt || a.seq - b.seq,
    );
    for (let i = 0; i < versions.length; i++) {
      const next = versions[i + 1];
      (versions[i] as GrantRecord).supersededAt = next === undefined ? INF : next.grantedAt;
    }
  }

  /** Every grant version naming `actorId` directly (any time; callers filter). */
  grantsOfActor(actorId: string): readonly GrantRecord[] {
    return this.byActor.get(actorId) ?? EMPTY;
  }

  /** Every grant version naming `role` (any time; callers filter). */
  grantsOfRole(role: string): readonly GrantRecord[] {
    return this.byRole.get(role) ?? EMPTY;
  }

  /** Every version of `grantId`, in ledger order. */
  versionsOf(grantId: string): readonly GrantRecord[] {
    return this.byId.get(grantId) ?? EMPTY;
  }

  /** Grants directly to `actorId` or to any of `roles` that are in force at `at`. */
  grantsInForce(actorId: string, roles: readonly string[], at: number): GrantRecord[] {
    const out: GrantRecord[] = [];
    const consider = (list: readonly GrantRecord[]) => {
      for (const g of list) if (g.grantedAt <= at && at < grantEndsAt(g)) out.push(g);
    };
    consider(this.grantsOfActor(actorId));
    for (const r of roles) consider(this.grantsOfRole(r));
    return out;
  }

  get size(): number {
    return this.grants.length;
  }

  /** JSON-safe state; identifiers, labels and times only. */
  toSnapshot(): PermissionsSnapshot {
    return {
      grants: this.grants.map((g) => {
        const json: Record<string, unknown> = {
          grantId: g.grantId,
          seq: g.seq,
          rec: g.rec,
          resourceType: g.resourceType,
          actions: g.actions,
          purposes: g.purposes,
          grantedBy: g.grantedBy,
          grantedAt: g.grantedAt,
          expiresAt: endToJson(g.expiresAt),
          revokedAt: endToJson(g.revokedAt),
          offboardedAt: endToJson(g.offboardedAt),
          supersededAt: endToJson(g.supersededAt),
        };
        if (g.actor !== undefined) json.actor = g.actor;
        if (g.role !== undefined) json.role = g.role;
        if (g.resourceIds) json.resourceIds = [...g.resourceIds];
        if (g.subjects) json.subjects = [...g.subjects];
        if (g.owner !== undefined) json.owner = g.owner;
        if (g.fields) json.fields = [...g.fields];
        if (g.clearance !== undefined) json.clearance = g.clearance;
        if (g.contractId !== undefined) json.contractId = g.contractId;
        return json as t.TypeOf<typeof GrantJson>;
      }),
      revocations: [...this.revocations],
      offboardings: [...this.offboardings],
    };
  }

  /** Rebuild the view from {@link PermissionsView.toSnapshot} output, decoding it first. */
  static fromSnapshot(data: unknown): E.Either<DaichoError, PermissionsView> {
    return pipe(
      decodeSection(PermissionsSnapshot, data, "permissions"),
      E.map((snap) => {
        const view = new PermissionsView();
        for (const [id, times] of snap.revocations) view.revocations.set(id, times);
        for (const [id, times] of snap.offboardings) view.offboardings.set(id, times);
        for (const j of snap.grants) {
          const { resourceIds, subjects, fields, ...rest } = j;
          const g: GrantRecord = {
            ...rest,
            ...(resourceIds ? { resourceIds: new Set(resourceIds) } : {}),
            ...(subjects ? { subjects: new Set(subjects) } : {}),
            ...(fields ? { fields: new Set(fields) } : {}),
            expiresAt: endFromJson(j.expiresAt),
            revokedAt: endFromJson(j.revokedAt),
            offboardedAt: endFromJson(j.offboardedAt),
            supersededAt: endFromJson(j.supersededAt),
          };
          view.index(g);
        }
        return view;
      }),
    );
  }

  /** Plain form of {@link PermissionsView.fromSnapshot}: the view, or throws its `DECODE_ERROR`. */
  static fromSnapshotOrThrow(data: unknown): PermissionsView {
    return orThrow(PermissionsView.fromSnapshot(data));
  }
}

const EMPTY: readonly GrantRecord[] = Object.freeze([]);

function push<V>(map: Map<string, V[]>, key: string, value: V): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

/** The earliest time in `times` that is not before `from`, or Infinity. */
export function firstNotBefore(times: readonly number[] | undefined, from: number): number {
  let best = INF;
  if (times !== undefined) for (const x of times) if (x >= from && x < best) best = x;
  return best;
}
