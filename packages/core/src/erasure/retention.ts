import { addPeriod } from "./deadlines";
import type { RetentionPolicy, SubjectRetentionFacts } from "./view";

/** A subject whose data a retention policy says is due for erasure (or review). */
export interface RetentionDue {
  readonly subject: string;
  readonly policyId: string;
  readonly action: "erase" | "review";
  /** When the retention period ran out. */
  readonly dueSince: string;
  /** Why, in words fit for the erasure request's `reason` (no personal values). */
  readonly reason: string;
}

/**
 * Does `policy` cover this subject? A purpose policy covers subjects with any event
 * recorded for that purpose; a category policy covers subjects with a personal field named
 * the category or under it (`contact` covers `contact.email`).
 */
export function policyCovers(policy: RetentionPolicy, facts: SubjectRetentionFacts): boolean {
  if ("purpose" in policy.appliesTo) return facts.purposes.has(policy.appliesTo.purpose);
  const c = policy.appliesTo.category;
  for (const field of facts.categories) if (field === c || field.startsWith(`${c}.`)) return true;
  return false;
}

/** When the policy's trigger fired for this subject, or undefined if it has not. */
export function triggerTime(
  policy: RetentionPolicy,
  facts: SubjectRetentionFacts,
): number | undefined {
  switch (policy.trigger) {
    case "last-contact":
      return facts.lastContactAt;
    case "record-created":
      return facts.firstAt;
    case "consent-withdrawn":
      return "purpose" in policy.appliesTo
        ? facts.withdrawnAt.get(policy.appliesTo.purpose)
        : undefined;
  }
}

/**
 * Subjects due under each policy at `now` (GDPR Art. 5(1)(e): kept no longer than
 * necessary), erased subjects excluded. One entry per subject: the policy that fell due
 * first wins, `erase` before `review` on ties. Pure.
 */
export function retentionDue(
  policies: Iterable<RetentionPolicy>,
  subjects: ReadonlyMap<string, SubjectRetentionFacts>,
  now: Date,
): RetentionDue[] {
  const best = new Map<string, RetentionDue>();
  const list = [...policies];
  for (const [subject, facts] of subjects) {
    if (facts.erased) continue;
    for (const policy of list) {
      if (!policyCovers(policy, facts)) continue;
      const from = triggerTime(policy, facts);
      if (from === undefined) continue;
      const due = addPeriod(new Date(from), policy.period);
      if (due === undefined || due.getTime() > now.getTime()) continue;
      const entry: RetentionDue = {
        subject,
        policyId: policy.policyId,
        action: policy.action,
        dueSince: due.toISOString(),
        reason: `retention policy ${policy.policyId}: ${policy.period} after ${policy.trigger}`,
      };
      const prev = best.get(subject);
      if (
        prev === undefined ||
        (prev.action === "review" && entry.action === "erase") ||
        (prev.action === entry.action && entry.dueSince < prev.dueSince)
      ) {
        best.set(subject, entry);
      }
    }
  }
  return [...best.values()].sort((a, b) =>
    a.dueSince < b.dueSince ? -1 : a.dueSince > b.dueSince ? 1 : 0,
  );
}
