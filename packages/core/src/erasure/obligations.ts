import * as E from "fp-ts/lib/Either.js";
import { RetentionPeriod } from "../events/catalogue";
import { addPeriod } from "./deadlines";
import type { SubjectErasureState } from "./subject-state";

/**
 * A legal duty to keep a subject's records (GDPR Art. 17(3)(b); e.g. APPI provision
 * records, 3 years): erasure is refused while any event of `eventTypes` about the subject
 * is younger than `keepFor`, and the refusal names `basis`.
 */
export interface RetentionObligation {
  readonly id: string;
  readonly eventTypes: readonly string[];
  readonly keepFor: string;
  readonly ground:
    | "legal-obligation"
    | "legal-claims"
    | "public-health"
    | "archiving"
    | "freedom-of-expression";
  readonly basis: string;
  /**
   * Erasure categories (spec §10.11) whose data this obligation keeps in full: a category
   * erasure of one of them is refused while any event of `eventTypes` about the subject is
   * younger than `keepFor`. Whatever this says, a category erasure is also refused while
   * such an event holds a value sealed under that category's keys (its key ids name it).
   */
  readonly categories?: readonly string[];
}

/** APPI Arts. 29–30 provision records: 3 years as a rule. Opt in by passing it in `obligations`. */
export const APPI_PROVISION_RECORDS: RetentionObligation = {
  id: "appi-provision-records",
  eventTypes: ["data.shared"],
  keepFor: "P3Y",
  ground: "legal-obligation",
  basis: "APPI Arts. 29-30: provision records are kept 3 years",
};

/**
 * The first obligation still binding this subject at `now`, with the instant it ends:
 * the latest event of the obligation's types plus its `keepFor` period. Obligations with
 * a malformed period are ignored. Pure.
 */
export function activeObligation(
  obligations: readonly RetentionObligation[],
  state: SubjectErasureState,
  now: Date,
): { readonly obligation: RetentionObligation; readonly until: Date } | undefined {
  return firstBinding(obligations, () => state.lastByType, now);
}

/**
 * The first obligation binding a category erasure (spec §10.11) of `category` at `now`:
 * one that lists the category in `categories` (counting every event of its types about
 * the subject), or one whose types' events hold a value sealed under the category's keys
 * (counting those events only). Pure.
 */
export function activeCategoryObligation(
  obligations: readonly RetentionObligation[],
  state: SubjectErasureState,
  category: string,
  now: Date,
): { readonly obligation: RetentionObligation; readonly until: Date } | undefined {
  const sealed = state.byCategory.get(category)?.lastByType ?? new Map<string, string>();
  return firstBinding(
    obligations,
    (o) => (o.categories?.includes(category) === true ? state.lastByType : sealed),
    now,
  );
}

function firstBinding(
  obligations: readonly RetentionObligation[],
  lastByType: (o: RetentionObligation) => ReadonlyMap<string, string>,
  now: Date,
): { readonly obligation: RetentionObligation; readonly until: Date } | undefined {
  for (const o of obligations) {
    if (E.isLeft(RetentionPeriod.decode(o.keepFor))) continue;
    const latest = lastByType(o);
    const last = o.eventTypes
      .map((ty) => latest.get(ty))
      .filter((x): x is string => x !== undefined)
      .sort()
      .pop();
    if (last === undefined) continue;
    const until = addPeriod(new Date(last), o.keepFor) as Date;
    if (until.getTime() > now.getTime()) return { obligation: o, until };
  }
  return undefined;
}
