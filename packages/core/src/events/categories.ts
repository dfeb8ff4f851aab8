import * as t from "io-ts";
import { patternBrand } from "../expected";
import { boundedList, FieldName, Id, strictStruct } from "./primitives";

/**
 * Erasure categories (docs/spec.md §10.11): field groups a ledger declares so that one
 * group of a subject's data (marketing data, say) can be crypto-shredded on its own, each
 * under a data key per (subject, category). Names and field names only: never values.
 */

/** A category name: lower-case letters, digits and `-`, 1–32 characters, a letter first. */
export const CATEGORY_NAME_PATTERN = /^[a-z][a-z0-9-]{0,31}$/;

export interface CategoryNameBrand {
  readonly CategoryName: unique symbol;
}
export const CategoryName = patternBrand<CategoryNameBrand, "CategoryName">(
  "CategoryName",
  CATEGORY_NAME_PATTERN,
);
export type CategoryName = t.TypeOf<typeof CategoryName>;

const CategoryEntry = strictStruct("Category", {
  name: CategoryName,
  fields: boundedList(FieldName, 256, "CategoryFields"),
});

/** True when no field entry of one category covers (equals or is a prefix of) another category's. */
function disjoint(categories: readonly t.TypeOf<typeof CategoryEntry>[]): boolean {
  const names = new Set(categories.map((c) => c.name));
  if (names.size !== categories.length) return false;
  const owner = categories.flatMap((c) => c.fields.map((f) => ({ f, c: c.name })));
  return owner.every((a) =>
    owner.every(
      (b) =>
        a.c === b.c || !(a.f === b.f || a.f.startsWith(`${b.f}.`) || b.f.startsWith(`${a.f}.`)),
    ),
  );
}

/**
 * `personal.categories-set`: the ledger's erasure categories from now on (the latest such
 * event is in force). Names are distinct and no field belongs to two categories. A field
 * entry `interests` covers `interests` and every `interests.*`.
 */
export const PersonalCategoriesSet = strictStruct("PersonalCategoriesSet", {
  categories: t.refinement(
    t.array(CategoryEntry),
    (cs) => cs.length <= 64 && disjoint(cs),
    "Categories (at most 64, distinct names, no field in two categories)",
  ),
});

/**
 * `erasure.category-fenced`: recorded before a (subject, category) key is destroyed; from
 * then on every key load refuses the category's keys for the subject, and new values of
 * `fields` (the category's fields when fenced) are refused for the subject whatever a later
 * declaration says.
 */
export const ErasureCategoryFenced = strictStruct("ErasureCategoryFenced", {
  requestId: Id,
  category: CategoryName,
  fields: boundedList(FieldName, 256, "CategoryFields"),
  keyIds: boundedList(Id, 1024),
});

/** The codecs above keyed by event type, spread into the catalogue (which adds `erasure.category-completed`). */
export const CATEGORY_PAYLOADS = {
  "personal.categories-set": PersonalCategoriesSet,
  "erasure.category-fenced": ErasureCategoryFenced,
} as const;
