import type { AssuranceLevel } from "../events/auth";
import type { Action } from "../events/catalogue";
import type { DestinationKind } from "../events/destination";
import type { ActorEntry } from "../views/actors";
import {
  type ClassEntry,
  levelRank,
  outsideScope,
  type ResourceTimelines,
  type ScopeRule,
  timelineEntryAt,
} from "../views/classification";
import { type Instant, instantMs } from "../views/event";
import { type GrantRecord, grantEndReason } from "../views/permissions";
import type { Views } from "../views/view-set";
import { approvalProblem } from "./approval-check";
import type { CompiledPolicy } from "./config";
import { type ContractReason, contractProblem, strongerContractReason } from "./contract-check";
import { checkControls, controlsWellFormed } from "./controls";
import { ipInRanges } from "./ip";
import type { DenyReason, Reason } from "./reasons";
import { effectiveScope } from "./scope-check";

/** Where a request comes from (staff equipment, never the data subject) and when. */
export interface RequestContext {
  readonly ip?: string;
  readonly device?: string;
  readonly session?: string;
  readonly channel?: string;
  /**
   * Authentication assurance the host claims for this request (NIST SP 800-63B). Under an
   * `auth.policy-set` with recorded sessions it can lower the recorded session's level, never raise it.
   */
  readonly assurance?: AssuranceLevel;
  /** When the access happens (default: now). Past instants answer "would this have been allowed?". */
  readonly at?: Instant;
}

/** One access request: who wants to do what to which fields of which record, and why. */
export interface DecisionRequest {
  readonly actor: string;
  /**
   * What the actor wants to do. Typed as the {@link Action} union, so a misspelt action is
   * a compile error; a value from untyped JavaScript that is not an action is denied with
   * `action-unknown`.
   */
  readonly action: Action;
  readonly resource: { readonly type: string; readonly id: string };
  /** Fields asked for; empty or absent = the record as a whole (e.g. `delete`). */
  readonly fields?: readonly string[];
  readonly purpose: string;
  /** Data subjects concerned; added to those the records view knows for the resource. */
  readonly subjects?: readonly string[];
  /** For `share`: the actor or organisation being told. */
  readonly recipient?: string;
  readonly context?: RequestContext;
  /** For `export` and `share`: where the data goes (checked against `destination.policy-set`). */
  readonly destination?: { readonly kind: DestinationKind; readonly id: string };
  /** How many records the request reads or exports (default 1); counted by the volume limits. */
  readonly recordCount?: number;
}

/** What the caller must do when a request is allowed. */
export interface Obligations {
  /** Fields to hide from the actor (over clearance, out of scope, or outside the grant). */
  readonly maskFields: readonly string[];
  /** True for `share`: APPI Art. 29 asks for a provision record each time (record `data.shared`). */
  readonly recordProvision: boolean;
}

export interface Decision {
  readonly allowed: boolean;
  readonly outcome: "allowed" | "denied";
  /** `["allowed"]`, or every failed check in a fixed order. */
  readonly reasons: readonly Reason[];
  readonly obligations: Obligations;
  /** Ids of the grants that allowed it (empty when denied for lack of one). */
  readonly grants: readonly string[];
  /** The data subjects the decision covered. */
  readonly subjects: readonly string[];
  /** The instant decided for (epoch ms). */
  readonly at: number;
}

const ACTIONS: ReadonlySet<string> = new Set([
  "read",
  "create",
  "update",
  "delete",
  "export",
  "share",
]);
const NO_FIELDS: readonly string[] = Object.freeze([]);
const NO_OBLIGATIONS: Obligations = Object.freeze({
  maskFields: NO_FIELDS,
  recordProvision: false,
});

/**
 * Decide an access request against in-memory views, synchronously and without I/O. Every
 * condition of docs/views-and-decisions.md §4 must hold: a grant in force for the action,
 * purpose and resource; the actor onboarded and not offboarded; classification within the
 * actor's clearance and the item's disclosure scope; a lawful basis for the purpose for
 * every subject, no withdrawal, no Art. 18 restriction, no erasure; the request context
 * within host policy; a grant tied to a contract (委託契約) only while the contract is in
 * force and covers the request (`contract-*`, after the others), and with four eyes only
 * once a second person approved it (`grant-pending-approval`). Never throws: a malformed request is denied with `request-invalid`,
 * unknown actors and purposes with their own reasons.
 */
export function decide(
  views: Views,
  policy: CompiledPolicy,
  request: DecisionRequest,
  now: () => number = Date.now,
): Decision {
  if (!wellFormed(request)) return denied(["request-invalid"], NO_FIELDS, Number.NaN);
  const at = request.context?.at === undefined ? now() : instantMs(request.context.at);
  if (Number.isNaN(at)) return denied(["request-invalid"], NO_FIELDS, at);
  const reasons: DenyReason[] = [];
  const action = request.action;
  const actionKnown = ACTIONS.has(action);
  if (!actionKnown) reasons.push("action-unknown");
  const purposeRule = policy.purposes.get(request.purpose);
  if (purposeRule === undefined) reasons.push("purpose-unknown");

  const actorEntry = views.actors.entryAt(request.actor, at);
  const active = actorEntry !== undefined && actorEntry.kind === "onboarded";
  if (actorEntry === undefined) reasons.push("actor-unknown");
  else if (!active) reasons.push("actor-offboarded");

  const ip = request.context?.ip;
  if (
    policy.ipAllowList !== undefined &&
    (ip === undefined || !ipInRanges(ip, policy.ipAllowList))
  ) {
    reasons.push("ip-not-allowed");
  }
  if (policy.withinHours !== undefined && !policy.withinHours(at))
    reasons.push("outside-working-hours");

  const { type, id } = request.resource;
  const record = views.records.record(type, id);
  if (action !== "create") {
    if (record === undefined) {
      if (policy.requireKnownResource && request.subjects === undefined)
        reasons.push("resource-unknown");
    } else if (record.deletedAt !== undefined && record.deletedAt <= at) {
      reasons.push("resource-deleted");
    }
  }
  const subjects = mergeSubjects(request.subjects, record?.subjects);
  // The resource's classification, looked up once for the clearance, scope and control checks.
  const timelines = views.classification.timelines(type, id);
  const own = timelineEntryAt(timelines, undefined, at);

  let matching: GrantRecord[] = [];
  const mask: string[] = [];
  const blocked: Blocked = {};
  if (active && actionKnown && purposeRule !== undefined) {
    matching = matchingGrants(views, actorEntry, request, record?.owner, subjects, at, {
      policy,
      blocked,
    });
    if (matching.length === 0) {
      reasons.push("no-grant");
      const ended = endedGrantReason(views, actorEntry, request, record?.owner, subjects, at);
      if (ended !== undefined) reasons.push(ended);
    } else {
      const item = { timelines, own };
      checkClassification(
        views,
        policy,
        actorEntry,
        request,
        item,
        matching,
        at,
        reasons,
        mask,
        blocked,
      );
    }
  }

  if (purposeRule !== undefined) {
    const exempt = policy.restrictionExempt.has(request.purpose);
    for (const s of subjects) {
      if (views.records.isErasedAt(s, at)) pushOnce(reasons, "subject-erased");
      if (!exempt && views.restriction.isRestrictedAt(s, at))
        pushOnce(reasons, "processing-restricted");
      const status = views.consent.statusAt(s, request.purpose, at);
      if (status === "withdrawn") pushOnce(reasons, "consent-withdrawn");
      else if (purposeRule.perSubject && status === "never-asked")
        pushOnce(reasons, "consent-missing");
      else if (purposeRule.perSubject && status === "expired") pushOnce(reasons, "consent-expired");
    }
  }

  // Issue 14 checks come after the checks above, so earlier reasons keep their order.
  if (matching.length === 0 && blocked.contract !== undefined) reasons.push(blocked.contract);
  if (matching.length === 0 && blocked.pending) reasons.push("grant-pending-approval");
  if (blocked.uninstructed && reasons.length > 0) reasons.push("scope-not-instructed");
  checkControls(views, policy, request, actorEntry, { timelines, own }, at, reasons);

  if (reasons.length > 0) return denied(reasons, subjects, at);
  return {
    allowed: true,
    outcome: "allowed",
    reasons: ["allowed"],
    obligations:
      mask.length === 0 && action !== "share"
        ? NO_OBLIGATIONS
        : { maskFields: mask, recordProvision: action === "share" },
    grants: matching.map((g) => g.grantId),
    subjects,
    at,
  };
}

function denied(reasons: DenyReason[], subjects: readonly string[], at: number): Decision {
  return {
    allowed: false,
    outcome: "denied",
    reasons,
    obligations: NO_OBLIGATIONS,
    grants: NO_FIELDS,
    subjects,
    at,
  };
}

function pushOnce(list: DenyReason[], r: DenyReason): void {
  if (!list.includes(r)) list.push(r);
}

function mergeSubjects(
  a: readonly string[] | undefined,
  b: readonly string[] | undefined,
): readonly string[] {
  if (a === undefined || a.length === 0) return b ?? NO_FIELDS;
  if (b === undefined || b.length === 0) return a;
  return [...new Set([...b, ...a])];
}

function grantCovers(
  g: GrantRecord,
  request: DecisionRequest,
  owner: string | undefined,
  subjects: readonly string[],
): boolean {
  if (g.resourceType !== request.resource.type) return false;
  if (!g.actions.includes(request.action as Action)) return false;
  if (!g.purposes.includes(request.purpose)) return false;
  if (g.resourceIds !== undefined && !g.resourceIds.has(request.resource.id)) return false;
  if (g.owner !== undefined && g.owner !== owner) return false;
  if (g.subjects !== undefined) {
    if (subjects.length === 0) return false;
    for (const s of subjects) if (!g.subjects.has(s)) return false;
  }
  return true;
}

/** The requested resource's classification, looked up once per decision. */
export interface ItemClass {
  readonly timelines: ResourceTimelines | undefined;
  /** The resource's own entry in effect at the decision's instant. */
  readonly own: ClassEntry | undefined;
}

/** Why covering grants in force were still unusable (the strongest reason seen). */
interface Blocked {
  contract?: ContractReason;
  /** A covering grant still waits for its four-eyes approval. */
  pending?: boolean;
  /** A disclosure scope widened without the customer's instruction kept the actor out. */
  uninstructed?: boolean;
}

function matchingGrants(
  views: Views,
  actor: ActorEntry,
  request: DecisionRequest,
  owner: string | undefined,
  subjects: readonly string[],
  at: number,
  checks: { readonly policy: CompiledPolicy; readonly blocked: Blocked },
): GrantRecord[] {
  const out: GrantRecord[] = [];
  consider(
    views,
    views.permissions.grantsOfActor(request.actor),
    actor,
    request,
    owner,
    subjects,
    at,
    checks,
    out,
  );
  const roles = actor.roles;
  if (roles !== undefined)
    for (const role of roles)
      consider(
        views,
        views.permissions.grantsOfRole(role),
        actor,
        request,
        owner,
        subjects,
        at,
        checks,
        out,
      );
  return out;
}

/** Push the grants of `list` usable at `at` onto `out`; note why covering ones were not. */
function consider(
  views: Views,
  list: readonly GrantRecord[],
  actor: ActorEntry,
  request: DecisionRequest,
  owner: string | undefined,
  subjects: readonly string[],
  at: number,
  checks: { readonly policy: CompiledPolicy; readonly blocked: Blocked },
  out: GrantRecord[],
): void {
  const blocked = checks.blocked;
  for (const g of list) {
    if (g.grantedAt > at || grantEndReason(g, at) !== undefined) continue;
    if (!grantCovers(g, request, owner, subjects)) continue;
    const problem = contractProblem(views, g, actor, request, owner, subjects, at);
    if (problem !== undefined) blocked.contract = strongerContractReason(blocked.contract, problem);
    else if (approvalProblem(views, checks.policy, g, at) !== undefined) blocked.pending = true;
    else out.push(g);
  }
}

/** Only on the deny path: did a covering grant exist that has since ended, and why? */
function endedGrantReason(
  views: Views,
  actor: ActorEntry,
  request: DecisionRequest,
  owner: string | undefined,
  subjects: readonly string[],
  at: number,
): DenyReason | undefined {
  // No arrays per call: the actor's own grants first, then each role's, as before.
  const roles = actor.roles ?? NO_FIELDS;
  let found: DenyReason | undefined;
  for (let i = -1; i < roles.length; i++) {
    const list =
      i < 0
        ? views.permissions.grantsOfActor(request.actor)
        : views.permissions.grantsOfRole(roles[i] as string);
    for (const g of list) {
      if (g.grantedAt > at || !grantCovers(g, request, owner, subjects)) continue;
      const end = grantEndReason(g, at);
      if (end === "revoked") return "grant-revoked";
      if (end === "offboarded") found = "grant-offboarded";
      else if (end === "expired" && found === undefined) found = "grant-expired";
    }
  }
  return found;
}

function checkClassification(
  views: Views,
  policy: CompiledPolicy,
  actor: ActorEntry,
  request: DecisionRequest,
  item: ItemClass,
  matching: readonly GrantRecord[],
  at: number,
  reasons: DenyReason[],
  mask: string[],
  blocked: Blocked,
): void {
  const { type, id } = request.resource;
  const teams = actor.teams ?? NO_FIELDS;
  const actorClearance =
    actor.clearance === undefined ? policy.defaultClearanceRank : levelRank(actor.clearance);
  // A grant may narrow the actor's clearance, never raise it.
  const clearanceOf = (g: GrantRecord) =>
    g.clearance === undefined ? actorClearance : Math.min(actorClearance, levelRank(g.clearance));
  let best = -1;
  for (const g of matching) best = Math.max(best, clearanceOf(g));

  const before = reasons.length;
  const { own, timelines } = item;
  const ownLevel = own === undefined ? policy.defaultLevelRank : levelRank(own.level);
  // マル秘: a widened scope counts only with the customer's instruction (scope-check.ts).
  const scopeOf = (field: string | undefined, entry: ClassEntry | undefined) => {
    if (entry === undefined) return undefined;
    const e = effectiveScope(views, type, id, field, entry);
    if (
      e.setAside &&
      outsideScope(e.scope, at, request.actor, teams) &&
      !outsideScope(entry.scope, at, request.actor, teams)
    )
      blocked.uninstructed = true;
    return e.scope;
  };
  const ownScope = scopeOf(undefined, own);
  if (outsideScope(ownScope, at, request.actor, teams)) reasons.push("disclosure-scope");
  if (ownLevel > best) reasons.push("above-clearance");
  if (request.action === "share" && recipientOutside(views, ownScope, request.recipient, at)) {
    reasons.push("recipient-out-of-scope");
  }

  const fields = request.fields ?? NO_FIELDS;
  // The record as a whole is refused: field-level findings would only repeat it.
  if (fields.length === 0 || reasons.length > before) return;
  const maskable = policy.maskActions.has(request.action);
  const hasFieldEntries = timelines !== undefined && timelines.fields.size > 0;
  for (const f of fields) {
    const entry: ClassEntry | undefined = hasFieldEntries
      ? timelineEntryAt(timelines, f, at)
      : undefined;
    const level = entry === undefined ? ownLevel : Math.max(ownLevel, levelRank(entry.level));
    const fieldScope = scopeOf(f, entry);
    let problem: DenyReason | undefined;
    if (outsideScope(fieldScope, at, request.actor, teams)) problem = "disclosure-scope";
    else if (
      request.action === "share" &&
      recipientOutside(views, fieldScope, request.recipient, at)
    ) {
      problem = "recipient-out-of-scope";
    } else {
      let inGrant = false;
      let cleared = false;
      for (const g of matching) {
        if (g.fields !== undefined && !g.fields.has(f)) continue;
        inGrant = true;
        if (clearanceOf(g) >= level) {
          cleared = true;
          break;
        }
      }
      if (!inGrant) problem = "field-not-permitted";
      else if (!cleared) problem = "above-clearance";
    }
    if (problem === undefined) continue;
    if (maskable) mask.push(f);
    else pushOnce(reasons, problem);
  }
  if (maskable && mask.length === fields.length) pushOnce(reasons, "no-fields-permitted");
}

/** For `share` of a scoped item: is the recipient outside the scope in force? */
function recipientOutside(
  views: Views,
  scope: ScopeRule | undefined,
  recipient: string | undefined,
  at: number,
): boolean {
  if (scope === undefined || (scope.until !== undefined && at >= scope.until)) return false;
  if (recipient === undefined) return true;
  const teams = views.actors.entryAt(recipient, at)?.teams ?? NO_FIELDS;
  return outsideScope(scope, at, recipient, teams);
}

function wellFormed(r: DecisionRequest): boolean {
  if (typeof r !== "object" || r === null) return false;
  if (typeof r.actor !== "string" || typeof r.action !== "string" || typeof r.purpose !== "string")
    return false;
  const res = r.resource as unknown;
  if (typeof res !== "object" || res === null) return false;
  const { type, id } = res as { type: unknown; id: unknown };
  if (typeof type !== "string" || typeof id !== "string") return false;
  if (!stringList(r.fields) || !stringList(r.subjects)) return false;
  if (r.recipient !== undefined && typeof r.recipient !== "string") return false;
  const c = r.context as unknown;
  if (c !== undefined && (typeof c !== "object" || c === null)) return false;
  const ip = (c as RequestContext | undefined)?.ip;
  return (ip === undefined || typeof ip === "string") && controlsWellFormed(r);
}

function stringList(xs: unknown): boolean {
  if (xs === undefined) return true;
  if (!Array.isArray(xs)) return false;
  for (const x of xs) if (typeof x !== "string") return false;
  return true;
}
