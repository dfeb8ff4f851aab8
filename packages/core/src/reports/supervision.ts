import type { LedgerEvent } from "../events/envelope";
import { ACCESS_TYPES } from "../monitor/rules";
import { type ContractState, type ContractVersion, versionState } from "../views/contracts";
import { ms, subjectsOf } from "../views/event";
import { grantEndsAt } from "../views/permissions";
import { Views } from "../views/view-set";
import { type ActorAction, actorAction } from "./history";
import { type EventSource, inWindow, type Window } from "./source";

/** One thing the contractor's staff did that falls within a contract's scope. */
export interface SupervisedAction extends ActorAction {
  readonly actor: string;
  /** True when the contract was in force at the time (false: before start, after end or termination). */
  readonly withinTerm: boolean;
}

/** A grant tied to the contract, and whether it could be used at the report's `asOf`. */
export interface SupervisedGrant {
  readonly grantId: string;
  readonly grantee: { readonly actor: string } | { readonly role: string };
  readonly grantedAt: string;
  readonly grantedBy: string;
  /** In force at `asOf`: the grant's own terms *and* the contract's. */
  readonly usable: boolean;
}

/**
 * A supervision report for one outsourcing contract (委託先の監督, APPI Art. 25): its
 * terms, the grants tied to it, the data handed over under it (`data.shared` with
 * relationship `entrusted` and this `contractRef`), and every access, export, share or
 * record change by the organisation's staff on data within the contract's scope —
 * attempts and denials included, and actions outside the term flagged. Ids and labels
 * only: the report carries no personal values.
 */
export interface SupervisionReport {
  readonly contractId: string;
  readonly organisation: string;
  /** The contract's state at `asOf`. */
  readonly state: ContractState;
  readonly asOf: string;
  readonly versions: readonly {
    readonly concludedAt: string;
    readonly concludedBy: string;
    readonly startsAt: string;
    readonly endsAt: string;
    readonly terminatedAt?: string;
    readonly purposes: readonly string[];
    readonly clients?: readonly string[];
    readonly resourceTypes?: readonly string[];
    readonly subjectCount?: number;
  }[];
  readonly grants: readonly SupervisedGrant[];
  readonly handedOver: readonly ActorAction[];
  readonly actions: readonly SupervisedAction[];
  /** Per staff member: allowed and denied attempts, and the distinct subjects reached. */
  readonly byActor: readonly {
    readonly actor: string;
    readonly allowed: number;
    readonly denied: number;
    readonly subjects: number;
  }[];
}

interface Draft {
  readonly grants: Map<string, LedgerEvent<"permission.granted">>;
  readonly handedOver: ActorAction[];
  readonly actions: SupervisedAction[];
}

/**
 * Build a supervision report per contract (or for `options.contractId` only) from the
 * whole ledger, in one pass. Attribution is decided from the views folded up to each
 * event (hash-verified events, not a cache): an action belongs to a contract when its
 * actor belongs to the contract's organisation at that instant and its resource or
 * subjects fall within the contract's clients, subjects and resource types. Actions in
 * `options.window` only; `asOf` (default now) fixes the states reported.
 */
export async function supervisionReports(
  events: EventSource,
  options: { readonly contractId?: string; readonly window?: Window; readonly asOf?: number } = {},
): Promise<SupervisionReport[]> {
  const views = new Views();
  const drafts = new Map<string, Draft>();
  const draft = (id: string): Draft => {
    let d = drafts.get(id);
    if (d === undefined) {
      d = { grants: new Map(), handedOver: [], actions: [] };
      drafts.set(id, d);
    }
    return d;
  };
  const wanted = (id: string) => options.contractId === undefined || options.contractId === id;
  const ownersOf = new Map<string, Set<string>>();
  const lastOrganisation = new Map<string, string>();
  for await (const e of events) {
    views.apply(e);
    if (e.type === "record.created") {
      for (const s of subjectsOf(e)) {
        const set = ownersOf.get(s) ?? new Set<string>();
        set.add(e.actor.id as string);
        ownersOf.set(s, set);
      }
    }
    if (e.type === "actor.onboarded") {
      const p = (e as LedgerEvent<"actor.onboarded">).payload;
      if (p.organisation !== undefined) lastOrganisation.set(p.actorId, p.organisation);
      continue;
    }
    if (e.type === "permission.granted") {
      const id = (e as LedgerEvent<"permission.granted">).payload.contractId;
      if (id !== undefined && wanted(id))
        draft(id).grants.set(e.payload.grantId as string, e as LedgerEvent<"permission.granted">);
      continue;
    }
    if (!ACCESS_TYPES.has(e.type)) continue;
    const at = ms(e.occurredAt);
    if (!inWindow(at, options.window ?? {})) continue;
    if (e.type === "data.shared") {
      const p = (e as LedgerEvent<"data.shared">).payload;
      if (p.relationship === "entrusted" && p.contractRef !== undefined && wanted(p.contractRef))
        draft(p.contractRef).handedOver.push(actorAction(e));
    }
    const actor = e.actor.id as string;
    // An offboarded actor has no profile: attribute to the organisation it last belonged to.
    const entry = views.actors.entryAt(actor, at);
    const organisation =
      entry?.kind === "onboarded" ? entry.organisation : lastOrganisation.get(actor);
    if (organisation === undefined) continue;
    for (const id of views.contracts.contractsOf(organisation)) {
      if (!wanted(id)) continue;
      const version = views.contracts.versionAt(id, at);
      if (version === undefined || !withinScope(views, ownersOf, version, e)) continue;
      draft(id).actions.push({
        ...actorAction(e),
        actor,
        withinTerm: versionState(version, at) === "in-force",
      });
    }
  }
  const asOf = options.asOf ?? Date.now();
  const out: SupervisionReport[] = [];
  for (const id of views.contracts.contractIds()) {
    if (!wanted(id)) continue;
    out.push(report(views, id, drafts.get(id), asOf));
  }
  return out;
}

/**
 * Does the event fall within the contract version's scope? Clients are matched on the
 * resource's owner, or — for exports and shares, which name no resource — on the owners
 * of the records its subjects appear in (`ownersOf`, from `record.created`).
 */
function withinScope(
  views: Views,
  ownersOf: ReadonlyMap<string, ReadonlySet<string>>,
  v: ContractVersion,
  e: LedgerEvent,
): boolean {
  const resource = (e.payload as { resource?: { type: string; id: string } }).resource;
  const type = resource?.type ?? (e.payload as { resourceType?: string }).resourceType;
  if (v.resourceTypes !== undefined && (type === undefined || !v.resourceTypes.has(type)))
    return false;
  const subjects = subjectsOf(e);
  if (v.clients !== undefined) {
    const clients = v.clients;
    const owner = resource && views.records.record(resource.type, resource.id)?.owner;
    const ownsSubject = (s: string) => [...(ownersOf.get(s) ?? [])].some((o) => clients.has(o));
    if (!(owner !== undefined ? clients.has(owner) : subjects.some(ownsSubject))) return false;
  }
  if (v.subjects !== undefined) return subjects.some((s) => v.subjects?.has(s));
  return true;
}

function report(
  views: Views,
  contractId: string,
  d: Draft | undefined,
  asOf: number,
): SupervisionReport {
  const versions = views.contracts.versionsOf(contractId);
  const status = views.contracts.statusAt(contractId, asOf);
  const last = versions[versions.length - 1] as ContractVersion;
  const grants: SupervisedGrant[] = [];
  for (const [grantId, e] of d?.grants ?? []) {
    const p = e.payload;
    const inForce = views.permissions
      .versionsOf(grantId)
      .some((g) => g.contractId === contractId && g.grantedAt <= asOf && asOf < grantEndsAt(g));
    grants.push({
      grantId,
      grantee: "actor" in p.grantee ? { actor: p.grantee.actor } : { role: p.grantee.role },
      grantedAt: e.occurredAt,
      grantedBy: p.grantedBy,
      usable: inForce && status.state === "in-force",
    });
  }
  const actions = d?.actions ?? [];
  const tally = new Map<string, { allowed: number; denied: number; subjects: Set<string> }>();
  for (const a of actions) {
    let t = tally.get(a.actor);
    if (t === undefined) {
      t = { allowed: 0, denied: 0, subjects: new Set() };
      tally.set(a.actor, t);
    }
    if (a.outcome === "denied") t.denied++;
    else t.allowed++;
    for (const s of a.subjects) t.subjects.add(s);
  }
  return {
    contractId,
    organisation: (status.version ?? last).organisation,
    state: status.state,
    asOf: new Date(asOf).toISOString(),
    versions: versions.map((v) => ({
      concludedAt: iso(v.at),
      concludedBy: v.concludedBy,
      startsAt: iso(v.startsAt),
      endsAt: iso(v.endsAt),
      ...(Number.isFinite(v.terminatedAt) ? { terminatedAt: iso(v.terminatedAt) } : {}),
      purposes: [...v.purposes],
      ...(v.clients ? { clients: [...v.clients] } : {}),
      ...(v.resourceTypes ? { resourceTypes: [...v.resourceTypes] } : {}),
      ...(v.subjects ? { subjectCount: v.subjects.size } : {}),
    })),
    grants,
    handedOver: d?.handedOver ?? [],
    actions,
    byActor: [...tally].map(([actor, t]) => ({
      actor,
      allowed: t.allowed,
      denied: t.denied,
      subjects: t.subjects.size,
    })),
  };
}

const iso = (ms: number) => new Date(ms).toISOString();
