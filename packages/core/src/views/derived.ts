import type { ClassEntry, ScopeRule } from "./classification";
import type { GrantRecord } from "./permissions";

/** The disclosure scope that applies to a classification entry, and whether a widening was set aside. */
export interface EffectiveScope {
  readonly scope?: ScopeRule;
  /** True when a newer, wider scope was ignored for want of the customer's instruction. */
  readonly setAside: boolean;
}

/**
 * Facts `decide()` derives from several views at once — the effective disclosure scope of a
 * classification entry (マル秘, from the item's timeline and the customer's instructions),
 * and when a grant version was approved by a second person (from the approvals and the
 * approvers' lifecycles) — remembered per entry so a decision does not walk the same
 * timelines again. Nothing here is persisted or snapshotted: it is derived in memory from
 * the folded views only, and `Views.apply` forgets every fact an event can change before
 * the event is visible to a decision (a classification change or instruction: that item's
 * entries; an approval: that grant's versions; any onboarding or offboarding: every
 * approval, since it may change whether an approver counted). A fact is then recomputed
 * from the views on its next use, so a memoised answer always equals a fresh one.
 */
export class DerivedFacts {
  private readonly scopes = new Map<ClassEntry, EffectiveScope>();
  private readonly approvals = new Map<GrantRecord, number>();

  /** The remembered effective scope of `entry`, if computed since its item last changed. */
  scopeOf(entry: ClassEntry): EffectiveScope | undefined {
    return this.scopes.get(entry);
  }

  rememberScope(entry: ClassEntry, scope: EffectiveScope): void {
    this.scopes.set(entry, scope);
  }

  /** When grant version `g` was approved (Infinity: not), if computed since its inputs last changed. */
  approvedAtOf(g: GrantRecord): number | undefined {
    return this.approvals.get(g);
  }

  rememberApproval(g: GrantRecord, at: number): void {
    this.approvals.set(g, at);
  }

  /** Forget the scopes of every entry of one item's timeline (it, or its instructions, changed). */
  forgetScopes(timeline: readonly ClassEntry[] | undefined): void {
    if (timeline !== undefined) for (const e of timeline) this.scopes.delete(e);
  }

  /** Forget the approval times of these grant versions (an approval of their id was folded). */
  forgetApprovals(versions: readonly GrantRecord[]): void {
    for (const g of versions) this.approvals.delete(g);
  }

  /** Forget every approval time (an actor's lifecycle changed: an approver may no longer count). */
  forgetAllApprovals(): void {
    this.approvals.clear();
  }
}
