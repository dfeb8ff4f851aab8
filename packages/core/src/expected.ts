import * as t from "io-ts";

/**
 * What a codec expects, said from the codec itself (issue 12 item 6), so a `DECODE_ERROR`
 * tells the caller how to fix the input without a hand-written string per field:
 * `Id (/^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$/)`, `LawfulBasis: consent | contract | …`,
 * `Actor { id, role?, context? }`. Never the offending value: it may be personal data.
 *
 * A refinement carries its pattern (`pattern`, the very RegExp its predicate tests) or a
 * short description of its rule (`description`); keyof codecs list their keys; unions
 * list their members; structs built with `strictStruct` list their members.
 */

/** A string codec whose rule is exactly `pattern` (kept on the codec for messages and UIs). */
export interface Patterned {
  readonly pattern: RegExp;
}

/** A codec whose rule is said in a few words (`a non-negative safe integer`). */
export interface Described {
  readonly description: string;
}

/** A string brand whose predicate is `pattern.test`, with the pattern kept on the codec. */
export function patternBrand<B extends { readonly [K in N]: symbol }, N extends string>(
  name: N,
  pattern: RegExp,
): t.BrandC<t.StringC, B> & Patterned {
  const codec = t.brand(t.string, (s): s is t.Branded<string, B> => pattern.test(s), name);
  return Object.assign(codec, { pattern });
}

/** A string refinement whose predicate is `pattern.test`, with the pattern kept on the codec. */
export function patternString(name: string, pattern: RegExp): t.RefinementC<t.StringC> & Patterned {
  return Object.assign(
    t.refinement(t.string, (s) => pattern.test(s), name),
    { pattern },
  );
}

/** Attach a short description of the rule a refinement checks (its predicate is opaque). */
export function described<C extends t.Any>(codec: C, description: string): C & Described {
  return Object.assign(codec, { description });
}

/** The members of a struct codec as a caller writes them: `id, role?, context?`. */
function memberList(required: t.Props, optional: t.Props): string {
  return [...Object.keys(required), ...Object.keys(optional).map((k) => `${k}?`)].join(", ");
}

interface Tagged {
  readonly _tag?: string;
  readonly name: string;
  readonly pattern?: unknown;
  readonly description?: unknown;
  readonly keys?: Record<string, unknown>;
  readonly types?: readonly Tagged[];
  readonly required?: t.Props;
  readonly optional?: t.Props;
}

/**
 * What `codec` expects, for a message that reads `expected <this>`. Derived only from the
 * codec (its name, pattern, description, keys, members), never from a value.
 */
export function expectedOf(codec: t.Decoder<unknown, unknown>): string {
  const c = codec as unknown as Tagged;
  if (c.pattern instanceof RegExp) return `${c.name} (${String(c.pattern)})`;
  if (typeof c.description === "string") return `${c.name} (${c.description})`;
  if (c._tag === "KeyofType" && c.keys !== undefined) {
    // io-ts names an unnamed keyof by its keys already (`"a" | "b"`).
    return c.name.startsWith('"') ? c.name : `${c.name}: ${Object.keys(c.keys).join(" | ")}`;
  }
  if (c._tag === "UnionType" && c.types !== undefined) {
    return `${c.name}: ${c.types.map(shapeOf).join(" | ")}`;
  }
  return shapeOf(c);
}

/** A codec's name, with its members when it is a struct: `ResourceRef { type, id }`. */
function shapeOf(c: Tagged): string {
  if (c.required !== undefined && c.optional !== undefined) {
    return `${c.name} { ${memberList(c.required, c.optional)} }`;
  }
  return c.name;
}
