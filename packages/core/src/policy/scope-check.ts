import type { ClassEntry, ScopeRule } from "../views/classification";
import type { EffectiveScope } from "../views/derived";
import type { Instruction } from "../views/instructions";
import type { Views } from "../views/view-set";

export type { EffectiveScope } from "../views/derived";

const UNSCOPED: EffectiveScope = Object.freeze({ setAside: false });

/**
 * The disclosure scope that applies (マル秘, issue 14 item 7). A scope that widens the
 * scope in effect before it — adds people or teams (the actor setting a scope is always
 * inside it), lifts it earlier, or removes it — takes effect only when the customer's
 * instruction in force at the change (`confidentiality.instructed` for the same item,
 * recorded at or before it) covers the new scope; otherwise the scope in effect before
 * stays. Folded forward over the item's timeline, so repeating an ignored widening does
 * not make it stick. Narrowing never needs an instruction. Reads only the views; the
 * answer is remembered per entry in `views.derived`, which forgets it when the item's
 * timeline or instructions change, so it always equals a fresh walk.
 */
export function effectiveScope(
  views: Views,
  type: string,
  id: string,
  field: string | undefined,
  entry: ClassEntry | undefined,
): EffectiveScope {
  if (entry === undefined) return UNSCOPED;
  const known = views.derived.scopeOf(entry);
  if (known !== undefined) return known;
  const fresh = walkScopes(views, type, id, field, entry);
  views.derived.rememberScope(entry, fresh);
  return fresh;
}

/** {@link effectiveScope} computed from the timeline, without the memo. */
function walkScopes(
  views: Views,
  type: string,
  id: string,
  field: string | undefined,
  entry: ClassEntry,
): EffectiveScope {
  const before = views.classification.entryBefore(type, id, field, entry);
  // Fast path (decide() runs this per item): nothing before it, nothing to widen.
  if (before === undefined)
    return entry.scope === undefined ? UNSCOPED : { scope: entry.scope, setAside: false };
  const chain: ClassEntry[] = [entry];
  for (let e: ClassEntry | undefined = before; e !== undefined; ) {
    chain.push(e);
    e = views.classification.entryBefore(type, id, field, e);
  }
  let scope: ScopeRule | undefined = (chain[chain.length - 1] as ClassEntry).scope;
  let setAside = false;
  for (let i = chain.length - 2; i >= 0; i--) {
    const e = chain[i] as ClassEntry;
    const instruction = views.instructions.instructionAt(type, id, field, e.at);
    const allowed =
      !widens(scope, e.scope, e.at) ||
      (instruction !== undefined && covers(instruction, e.scope, e.at));
    if (allowed) scope = e.scope;
    else setAside = true;
  }
  return scope === undefined ? { setAside } : { scope, setAside };
}

/** Does `next` (set at `at`) let more people learn the item than `prev`, in force at `at`? */
export function widens(
  prev: ScopeRule | undefined,
  next: ScopeRule | undefined,
  at: number,
): boolean {
  if (prev === undefined || (prev.until !== undefined && at >= prev.until)) return false;
  if (next === undefined) return true;
  const people = new Set([...(prev.actors ?? []), prev.by]);
  if (!people.has(next.by) || !(next.actors ?? []).every((a) => people.has(a))) return true;
  const teams = new Set(prev.teams ?? []);
  if (!(next.teams ?? []).every((t) => teams.has(t))) return true;
  return next.until !== undefined && (prev.until === undefined || next.until < prev.until);
}

/**
 * Does the customer's instruction allow `scope`? Every person (with the one who set the
 * scope) and team must be among those the customer named, and the scope must last at
 * least as long as the customer asked. Removing the scope is allowed only once the
 * customer's `until` has passed.
 */
export function covers(
  instruction: Instruction,
  scope: ScopeRule | undefined,
  at: number,
): boolean {
  if (scope === undefined) return instruction.until !== undefined && instruction.until <= at;
  const people = new Set(instruction.actors);
  if (!people.has(scope.by) || !(scope.actors ?? []).every((a) => people.has(a))) return false;
  const teams = new Set(instruction.teams);
  if (!(scope.teams ?? []).every((t) => teams.has(t))) return false;
  if (scope.until === undefined) return true;
  return instruction.until !== undefined && scope.until >= instruction.until;
}
