import { randomBytes } from "@noble/hashes/utils.js";
import type { LedgerEvent } from "../events/envelope";
import { bytesToHex } from "../hash";

/**
 * Erasure categories (docs/spec.md §10.11): a ledger declares field groups
 * (`marketing: [interests, newsletterOptIn]`) with a `personal.categories-set` event, and
 * a field in a category is sealed under a data key of its own per (subject, category), so
 * that destroying that key shreds the category and nothing else of the subject.
 */

/** The policy event that declares the ledger's categories; the latest one is in force. */
export const CATEGORIES_EVENT = "personal.categories-set";

/** Prefix of a category data key's id: `dkc1-<category>-<32 hex>`. */
const CATEGORY_KEY_PREFIX = "dkc1-";
const CATEGORY_KEY_PATTERN = /^dkc1-([a-z][a-z0-9-]{0,31})-[0-9a-f]{32}$/;

/**
 * A new category key id: `dkc1-`, the category, `-`, 32 random hex digits. The category is
 * in the id (which the sealed field's associated data binds and the event hash covers), so
 * a reader finds the key to open a field with from hashed bytes alone, whatever the
 * declaration in force says now.
 */
export function newCategoryKeyId(category: string): string {
  return `${CATEGORY_KEY_PREFIX}${category}-${bytesToHex(randomBytes(16))}`;
}

/** The category a key id names, or undefined for a subject key (`dk1-…`) or anything else. */
export function keyIdCategory(keyId: string): string | undefined {
  if (!keyId.startsWith(CATEGORY_KEY_PREFIX)) return undefined;
  return CATEGORY_KEY_PATTERN.exec(keyId)?.[1];
}

/**
 * The key-store subject a (subject, category) key is kept under: `subject@category`.
 * `@` is refused in Ids (spec §2.3), so it never names a real subject; the key store's
 * records, tombstones and wrapping binding (spec §10.5) stay per (subject, category).
 */
export function categoryKeySubject(subject: string, category: string): string {
  return `${subject}@${category}`;
}

/** The subject of a key-store subject: `subject@category` → `subject`; a subject as it is. */
export function holderSubject(holder: string): string {
  const at = holder.indexOf("@");
  return at === -1 ? holder : holder.slice(0, at);
}

/** Does a declared field entry cover a field? `interests` covers `interests` and `interests.*`. */
export function fieldCovers(entry: string, field: string): boolean {
  return field === entry || field.startsWith(`${entry}.`);
}

/** One declared category as the policy event carries it. */
export interface CategoryDeclaration {
  readonly name: string;
  readonly fields: readonly string[];
}

/**
 * The categories in force, as folded from hash-verified `personal.categories-set` bodies:
 * the one with the highest `seq` wins; every name ever declared is remembered (its keys
 * must die with the subject even after a later declaration dropped it).
 */
export class CategoryPolicy {
  private latestSeq = -1;
  private current: readonly CategoryDeclaration[] = [];
  private readonly everDeclared = new Set<string>();

  /** Take in one verified event body; anything but a categories declaration is ignored. */
  apply(body: LedgerEvent): void {
    if (body.type !== CATEGORIES_EVENT) return;
    const categories = readDeclarations(body.payload);
    for (const c of categories) this.everDeclared.add(c.name);
    if (body.seq <= this.latestSeq) return;
    this.latestSeq = body.seq;
    this.current = categories;
  }

  /** The category `field` belongs to under the declaration in force, if any. */
  categoryOf(field: string): CategoryDeclaration | undefined {
    return this.current.find((c) => c.fields.some((entry) => fieldCovers(entry, field)));
  }

  /** The declaration in force for `name`, if declared now. */
  declared(name: string): CategoryDeclaration | undefined {
    return this.current.find((c) => c.name === name);
  }

  /** Every category name any declaration named, sorted. */
  names(): string[] {
    return [...this.everDeclared].sort();
  }
}

/** The declarations of a verified body (decoded by the catalogue on append; read defensively). */
function readDeclarations(payload: unknown): CategoryDeclaration[] {
  const list = (payload as { categories?: unknown } | null)?.categories;
  if (!Array.isArray(list)) return [];
  return list.filter(
    (c): c is CategoryDeclaration =>
      typeof c === "object" &&
      c !== null &&
      typeof (c as CategoryDeclaration).name === "string" &&
      Array.isArray((c as CategoryDeclaration).fields),
  );
}
