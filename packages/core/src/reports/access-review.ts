import type { LedgerEvent } from "../events/envelope";
import { approvedAt, needsApproval } from "../policy/approval-check";
import type { CompiledPolicy } from "../policy/config";
import { decide } from "../policy/decide";
import { ms } from "../views/event";
import { type GrantRecord, grantEndsAt } from "../views/permissions";
import { Views } from "../views/view-set";
import type { EventSource } from "./source";

const DAY = 86_400_000;

/** One grant in force at the review instant, with what a reviewer asks about it. */
export interface ReviewedGrant {
  readonly grantId: string;
  readonly grantee: { readonly actor: string } | { readonly role: string };
  readonly resourceType: string;
  readonly actions: readonly string[];
  readonly purposes: readonly string[];
  readonly grantedAt: string;
  readonly grantedBy: string;
  readonly expiresAt?: string;
  readonly clearance?: string;
  readonly contractId?: string;
  /** Four eyes configured and no valid approval yet: the grant allows nothing. */
  readonly pendingApproval: boolean;
  /** The last allowed access recorded with this grant's id (`data.accessed.grantIds`). */
  readonly lastUsedAt?: string;
  /** Older than `unusedDays` and not used within them. */
  readonly unused: boolean;
  /** Every record of its type (no ids, subjects or owner) and every field (no `fields`). */
  readonly broad: boolean;
}

/** Who can read one strictly-confidential item now, and for which purposes. */
export interface StrictlyConfidentialItem {
  readonly resource: { readonly type: string; readonly id: string };
  /** Absent: the record as a whole is strictly confidential. */
  readonly field?: string;
  readonly readers: readonly { readonly actor: string; readonly purposes: readonly string[] }[];
}

/**
 * A periodic access review (issue 14 item 6): the grants in force, those unused for
 * `unusedDays`, the broad ones, and who can read each strictly-confidential item now.
 * A review's conclusion is recorded as `access-review.completed`.
 */
export interface AccessReview {
  readonly asOf: string;
  readonly unusedDays: number;
  readonly grants: readonly ReviewedGrant[];
  readonly unused: readonly string[];
  readonly broad: readonly string[];
  readonly strictlyConfidential: readonly StrictlyConfidentialItem[];
}

/**
 * Build an access review from the whole ledger at `asOf` (default now). "Who can read"
 * is answered by `decide()` itself, for every actor the views know and every purpose of
 * the policy — the same function that guards each request, so the report cannot
 * disagree with enforcement; a field counts as readable when the decision allows and
 * does not mask it. Usage counts only accesses recorded with grant ids (by
 * `decideAndRecord` since issue 14): older history makes a grant look unused, which errs
 * towards reviewing it. Ids and labels only.
 */
export async function accessReview(
  events: EventSource,
  policy: CompiledPolicy,
  options: { readonly asOf?: number; readonly unusedDays?: number } = {},
): Promise<AccessReview> {
  const views = new Views();
  const grantIds = new Set<string>();
  const lastUse = new Map<string, number>();
  const items = new Map<string, { type: string; id: string; field?: string }>();
  for await (const e of events) {
    views.apply(e);
    if (e.type === "permission.granted") grantIds.add(e.payload.grantId as string);
    else if (e.type === "classification.changed") {
      const p = (e as LedgerEvent<"classification.changed">).payload;
      const key = `${p.resource.type}\u0000${p.resource.id}\u0000${p.field ?? ""}`;
      items.set(key, {
        type: p.resource.type,
        id: p.resource.id,
        ...(p.field !== undefined ? { field: p.field } : {}),
      });
    } else if (e.type === "data.accessed") {
      const p = (e as LedgerEvent<"data.accessed">).payload;
      if (p.outcome !== "allowed") continue;
      const at = ms(e.occurredAt);
      for (const g of p.grantIds ?? []) lastUse.set(g, Math.max(lastUse.get(g) ?? at, at));
    }
  }
  const asOf = options.asOf ?? Date.now();
  const unusedDays = options.unusedDays ?? 90;
  const grants: ReviewedGrant[] = [];
  for (const id of grantIds) {
    const g = views.permissions
      .versionsOf(id)
      .find((v) => v.grantedAt <= asOf && asOf < grantEndsAt(v));
    if (g !== undefined) grants.push(reviewed(views, policy, g, lastUse.get(id), asOf, unusedDays));
  }
  return {
    asOf: iso(asOf),
    unusedDays,
    grants,
    unused: grants.filter((g) => g.unused).map((g) => g.grantId),
    broad: grants.filter((g) => g.broad).map((g) => g.grantId),
    strictlyConfidential: readersOf(views, policy, [...items.values()], asOf),
  };
}

function reviewed(
  views: Views,
  policy: CompiledPolicy,
  g: GrantRecord,
  used: number | undefined,
  asOf: number,
  unusedDays: number,
): ReviewedGrant {
  const since = asOf - unusedDays * DAY;
  return {
    grantId: g.grantId,
    grantee: g.actor !== undefined ? { actor: g.actor } : { role: g.role as string },
    resourceType: g.resourceType,
    actions: g.actions,
    purposes: g.purposes,
    grantedAt: iso(g.grantedAt),
    grantedBy: g.grantedBy,
    ...(Number.isFinite(g.expiresAt) ? { expiresAt: iso(g.expiresAt) } : {}),
    ...(g.clearance !== undefined ? { clearance: g.clearance } : {}),
    ...(g.contractId !== undefined ? { contractId: g.contractId } : {}),
    pendingApproval: needsApproval(policy, g) && approvedAt(views, g) > asOf,
    ...(used !== undefined ? { lastUsedAt: iso(used) } : {}),
    unused: g.grantedAt <= since && (used === undefined || used < since),
    broad:
      g.resourceIds === undefined &&
      g.subjects === undefined &&
      g.owner === undefined &&
      g.fields === undefined,
  };
}

/** For each item strictly confidential at `asOf`: the actors `decide()` lets read it. */
function readersOf(
  views: Views,
  policy: CompiledPolicy,
  items: readonly { type: string; id: string; field?: string }[],
  asOf: number,
): StrictlyConfidentialItem[] {
  const out: StrictlyConfidentialItem[] = [];
  const actors = [...views.actors.actorIds()].filter(
    (a) => views.actors.entryAt(a, asOf)?.kind === "onboarded",
  );
  for (const item of items) {
    const entry =
      item.field === undefined
        ? views.classification.resourceAt(item.type, item.id, asOf)
        : views.classification.fieldAt(item.type, item.id, item.field, asOf);
    if (entry?.level !== "strictly-confidential") continue;
    const readers: { actor: string; purposes: string[] }[] = [];
    for (const actor of actors) {
      const purposes: string[] = [];
      for (const purpose of policy.purposes.keys()) {
        const d = decide(views, policy, {
          actor,
          action: "read",
          resource: { type: item.type, id: item.id },
          ...(item.field !== undefined ? { fields: [item.field] } : {}),
          purpose,
          context: { at: asOf },
        });
        if (
          d.allowed &&
          (item.field === undefined || !d.obligations.maskFields.includes(item.field))
        )
          purposes.push(purpose);
      }
      if (purposes.length > 0) readers.push({ actor, purposes });
    }
    out.push({
      resource: { type: item.type, id: item.id },
      ...(item.field !== undefined ? { field: item.field } : {}),
      readers,
    });
  }
  return out;
}

const iso = (t: number) => new Date(t).toISOString();
