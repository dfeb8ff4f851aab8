import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { describe, expect, it } from "vitest";
import { decodeWith } from "../decode";
import { accessInput } from "../testing/fixtures";
import { decodeEventInput } from "./input";
import { Id, strictStruct, Timestamp } from "./primitives";

/**
 * `strictStruct` validates each member against its own context only when the member
 * fails (the success path allocates no context). These properties hold it to the io-ts
 * composition it replaces, on valid and hostile values alike.
 */
const Inner = strictStruct("Inner", { id: Id }, { at: Timestamp });
const Outer = strictStruct(
  "Outer",
  { name: t.string, inner: Inner, tags: t.array(Id) },
  { count: t.number, at: Timestamp },
);
const KNOWN = new Set(["name", "inner", "tags", "count", "at"]);
const INNER_KNOWN = new Set(["id", "at"]);

const exactKeys = (u: unknown, known: Set<string>) =>
  typeof u === "object" &&
  u !== null &&
  !Array.isArray(u) &&
  Object.keys(u).every((k) => known.has(k));
const ReferenceInner = t.intersection([t.type({ id: Id }), t.partial({ at: Timestamp })]);
const Reference = t.intersection([
  t.type({ name: t.string, inner: ReferenceInner, tags: t.array(Id) }),
  t.partial({ count: t.number, at: Timestamp }),
]);
/** Reference decode: io-ts combinators, unknown keys refused, `undefined` members dropped. */
function reference(u: unknown): E.Either<unknown, unknown> {
  if (!exactKeys(u, KNOWN)) return E.left("keys");
  const inner = (u as { inner?: unknown }).inner;
  if (!exactKeys(inner, INNER_KNOWN)) return E.left("keys");
  const r = t.exact(Reference).decode(u);
  if (E.isLeft(r)) return E.left("members");
  const clean = (o: Record<string, unknown>) =>
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined));
  const out = clean(r.right as Record<string, unknown>);
  out.inner = clean(t.exact(ReferenceInner).encode(r.right.inner) as Record<string, unknown>);
  return E.right(out);
}

/** Mostly valid values, so the property compares accepted decodes as often as refusals. */
const often = <A, B>(valid: fc.Arbitrary<A>, hostile: fc.Arbitrary<B>) =>
  fc.oneof({ arbitrary: valid, weight: 4 }, { arbitrary: hostile, weight: 1 });
/** `null` 9 times in 10, else a value from `arb`. */
const rarely = <A>(arb: fc.Arbitrary<A>) =>
  fc.oneof({ arbitrary: fc.constant(null), weight: 9 }, { arbitrary: arb, weight: 1 });
const anyValue = fc.oneof(fc.string({ maxLength: 6 }), fc.integer(), fc.constant(null));
const maybeId = often(
  fc.constantFrom("c-1", "agent-7", "s-42", "tenant:a/b#1"),
  fc.oneof(
    fc.constantFrom("090-1234-5678", "", "bad id", "hanako@example.jp"),
    fc.string({ maxLength: 8 }),
    fc.integer(),
  ),
);
const maybeTs = often(
  fc.constantFrom("2026-12-05T08:00:00Z", "2026-12-05T17:00:00+09:00", undefined),
  fc.oneof(fc.constantFrom("2026-02-31T00:00:00Z"), fc.string({ maxLength: 4 })),
);
const maybeInner = often(
  fc.record({ id: maybeId, at: maybeTs }, { requiredKeys: ["id"] }),
  fc.oneof(fc.record({ id: maybeId, extra: anyValue }), fc.record({}), anyValue),
);
const candidate = fc
  .tuple(
    fc.record(
      {
        name: often(fc.string({ maxLength: 6 }), fc.integer()),
        inner: maybeInner,
        tags: often(fc.array(maybeId, { maxLength: 3 }), anyValue),
        count: often(fc.option(fc.integer(), { nil: undefined }), fc.string({ maxLength: 3 })),
        at: maybeTs,
      },
      { requiredKeys: ["name", "inner", "tags"] },
    ),
    // Rarely drop a required key or add an unknown one (fc.option's `freq` would do it
    // 7 times in 8, leaving too few valid values to compare).
    rarely(fc.constantFrom("name", "inner", "tags")),
    rarely(anyValue),
  )
  .map(([u, drop, misspelt]) => {
    const out: Record<string, unknown> = { ...u };
    if (drop !== null) delete out[drop];
    if (misspelt !== null) out.misspelt = misspelt;
    return out;
  });

describe("strictStruct", () => {
  it("accepts and returns exactly what the io-ts composition does", () => {
    const seen = { Left: 0, Right: 0 };
    fc.assert(
      fc.property(candidate, (u) => {
        const ours = Outer.decode(u);
        const theirs = reference(u);
        expect(ours._tag).toBe(theirs._tag);
        seen[ours._tag]++;
        if (E.isRight(ours) && E.isRight(theirs)) expect(ours.right).toEqual(theirs.right);
      }),
      { numRuns: 2000 },
    );
    // The generator reaches both outcomes, so the property compares real decodes.
    // About 16 % of values decode (≈320); fewer than 50 of 2,000 would mean the generator broke.
    expect(seen.Right).toBeGreaterThan(50);
    expect(seen.Left).toBeGreaterThan(50);
  });

  it("names the failing member's full path, not the struct's", () => {
    const bad = { name: "x", inner: { id: "bad id" }, tags: ["c-1", 7] };
    const r = decodeWith(Outer, bad, "$");
    expect(E.isLeft(r) && r.left.path).toBe("$.inner.id");
    const tag = decodeWith(Outer, { ...bad, inner: { id: "c-1" } }, "$");
    expect(E.isLeft(tag) && tag.left.path).toBe("$.tags[1]");
  });

  it("still screens phone-like ids nested in an event's payload", () => {
    const input = accessInput(1, "c-1");
    const nested = {
      ...input,
      payload: { ...input.payload, resource: { type: "contact", id: "090-1234-5678" } },
    };
    const r = decodeEventInput(nested);
    expect(E.isLeft(r) && r.left.path).toBe("$.payload.resource.id");
    expect(E.isRight(decodeEventInput(nested, "$", { allowPhoneLikeIds: true }))).toBe(true);
  });
});
