import { assuranceRank } from "../events/auth";
import type { Action, VolumeWindow } from "../events/catalogue";
import type { ActorEntry } from "../views/actors";
import { type ClassEntry, levelRank, outsideScope, type ScopeRule } from "../views/classification";
import { instantMs } from "../views/event";
import { type GrantRecord, grantEndReason } from "../views/permissions";
import type { Views } from "../views/view-set";
import { approvalProblem } from "./approval-check";
import type { CompiledPolicy } from "./config";
import { type ContractReason, contractProblem, strongerContractReason } from "./contract-check";
import { appliesTo, controlsWellFormed } from "./controls";
import type { Decision, DecisionRequest, Obligations, RequestContext } from "./decide";
import { ipInRanges } from "./ip";
import type { DenyReason } from "./reasons";
import { effectiveScope } from "./scope-check";
import { volumeProblem } from "./volume-check";

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
export function decideReference(
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
      checkClassification(views, policy, actorEntry, request, matching, at, reasons, mask, blocked);
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
  checkControlsReference(views, policy, request, actorEntry, at, reasons);

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
  const { policy, blocked } = checks;
  const out: GrantRecord[] = [];
  const consider = (list: readonly GrantRecord[]) => {
    for (const g of list) {
      if (g.grantedAt > at || grantEndReason(g, at) !== undefined) continue;
      if (!grantCovers(g, request, owner, subjects)) continue;
      const problem = contractProblem(views, g, actor, request, owner, subjects, at);
      if (problem !== undefined)
        blocked.contract = strongerContractReason(blocked.contract, problem);
      else if (approvalProblem(views, policy, g, at) !== undefined) blocked.pending = true;
      else out.push(g);
    }
  };
  consider(views.permissions.grantsOfActor(request.actor));
  for (const role of actor.roles ?? NO_FIELDS) consider(views.permissions.grantsOfRole(role));
  return out;
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
  const lists = [
    views.permissions.grantsOfActor(request.actor),
    ...(actor.roles ?? []).map((r) => views.permissions.grantsOfRole(r)),
  ];
  let found: DenyReason | undefined;
  for (const list of lists) {
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
  const own = views.classification.resourceAt(type, id, at);
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
  const hasFieldEntries = views.classification.hasFieldEntries(type, id);
  for (const f of fields) {
    const entry: ClassEntry | undefined = hasFieldEntries
      ? views.classification.fieldAt(type, id, f, at)
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

function checkControlsReference(
  views: Views,
  policy: CompiledPolicy,
  request: DecisionRequest,
  actor: ActorEntry | undefined,
  at: number,
  reasons: DenyReason[],
): void {
  const devicePolicy = views.devices.policy.at(at);
  const destinationPolicy = views.destinations.policy.at(at);
  const limits = views.volume.limits.at(at);
  const authPolicy = views.sessions.policy.at(at);
  const session = request.context?.session;
  const known = session === undefined ? undefined : views.sessions.stateAt(session, at);
  if (
    devicePolicy === undefined &&
    destinationPolicy === undefined &&
    limits === undefined &&
    authPolicy === undefined &&
    known === undefined
  ) {
    return; // no control in force: existing behaviour, at the cost of four lookups
  }
  // The request's level costs a classification lookup per field: only when a rule asks.
  let cached = -1;
  const level = () => {
    if (cached < 0) cached = requestLevelReference(views, policy, request, at);
    return cached;
  };
  const action = request.action;
  const teams = actor?.kind === "onboarded" ? (actor.teams ?? NONE) : NONE;
  const moves = action === "export" || action === "share";

  if (devicePolicy !== undefined) {
    const problem = deviceProblemReference(views, devicePolicy.rules, request, level, at);
    if (problem !== undefined) reasons.push(problem);
  }

  if (destinationPolicy !== undefined && moves) {
    const d = request.destination;
    if (d === undefined) reasons.push("destination-missing");
    else {
      const ok = destinationPolicy.rules.some(
        (r) =>
          r.kinds.includes(d.kind) &&
          levelRank(r.upTo) >= level() &&
          (r.ids === undefined || r.ids.includes(d.id as never)) &&
          appliesTo(r, request.actor, teams),
      );
      if (!ok) reasons.push("destination-not-allowed");
    }
  }

  if (limits !== undefined && (action === "read" || moves)) {
    const metric = action === "read" ? "records-read" : "records-exported";
    const used = (w: VolumeWindow) => views.volume.usedAt(request.actor, metric, w, at);
    const problem = volumeProblem(limits.limits, request, teams, used, appliesTo);
    if (problem !== undefined) reasons.push(problem);
  }

  if (known !== undefined && known.actorId !== request.actor) reasons.push("session-unknown");
  else if (known?.ended === true) reasons.push("session-ended");
  else if (authPolicy !== undefined) {
    let required = 0;
    for (const r of authPolicy.rules) {
      if (r.atLeast !== undefined && levelRank(r.atLeast) > level()) continue;
      if (r.actions !== undefined && !r.actions.includes(action as never)) continue;
      required = Math.max(required, assuranceRank(r.minimum));
    }
    if (required > 0) {
      const claimed = request.context?.assurance;
      const claimedRank = claimed === undefined ? 0 : assuranceRank(claimed);
      const recorded = (authPolicy.sessions ?? "recorded") === "recorded";
      if (recorded && known === undefined) reasons.push("session-unknown");
      else {
        // A claim can lower the recorded assurance (the host knows of a downgrade), never raise it.
        const effective =
          known === undefined
            ? claimedRank
            : claimed === undefined
              ? known.rank
              : Math.min(known.rank, claimedRank);
        if (effective < required) reasons.push("mfa-required");
      }
    }
  }
}

function deviceProblemReference(
  views: Views,
  rules: readonly {
    readonly atLeast: string;
    readonly ownership: readonly string[];
    readonly managedOnly?: boolean;
    readonly actions?: readonly string[];
  }[],
  request: DecisionRequest,
  level: () => number,
  at: number,
): DenyReason | undefined {
  const device = request.context?.device;
  if (device === undefined) return "device-missing";
  const entry = views.devices.entryAt(device, at);
  if (entry === undefined) return "device-unknown";
  if (entry.kind === "lost") return "device-lost";
  if (entry.kind === "wiped") return "device-wiped";
  if (entry.kind === "retired") return "device-retired";
  if (entry.owner !== request.actor) return "device-not-owned";
  for (const r of rules) {
    if (levelRank(r.atLeast as never) > level()) continue;
    if (r.actions !== undefined && !r.actions.includes(request.action)) continue;
    if (!r.ownership.includes(entry.ownership as string)) return "device-not-allowed";
    if (r.managedOnly === true && entry.managed !== true) return "device-not-allowed";
  }
  return undefined;
}

/** Rank of the most sensitive thing asked for: the record's level, or a requested field's. */
function requestLevelReference(
  views: Views,
  policy: CompiledPolicy,
  request: DecisionRequest,
  at: number,
): number {
  const { type, id } = request.resource;
  const own = views.classification.resourceAt(type, id, at);
  let level = own === undefined ? policy.defaultLevelRank : levelRank(own.level);
  const fields = request.fields;
  if (fields !== undefined && fields.length > 0 && views.classification.hasFieldEntries(type, id)) {
    for (const f of fields) {
      const e = views.classification.fieldAt(type, id, f, at);
      if (e !== undefined) level = Math.max(level, levelRank(e.level));
    }
  }
  return level;
}

const NONE: readonly string[] = Object.freeze([]);
