import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { decodeWith } from "../decode";
import type { DaichoError } from "../errors";

/**
 * io-ts pieces shared by the views' snapshot codecs. Snapshots are read back from disk,
 * so they are a boundary: every view decodes its part before trusting it.
 */
export const EntryProps = { at: t.number, seq: t.number, rec: t.number };
export const OptionalString = t.union([t.string, t.undefined]);
export const StringList = t.readonlyArray(t.string);
/** `Infinity` does not survive JSON: open-ended intervals are written as null. */
export const OpenEnd = t.union([t.number, t.null]);

/** Decode one view's snapshot section, naming the view in the error path. */
export function decodeSection<A, O>(
  codec: t.Type<A, O, unknown>,
  input: unknown,
  view: string,
): E.Either<DaichoError, A> {
  // The type guard checks the same shape without copying; it is several times faster on
  // a snapshot of millions of entries. Only a failing section pays for a full decode,
  // which names the path of the first bad member.
  if (codec.is(input)) return E.right(input);
  return decodeWith(codec, input, `$.views.${view}`);
}

/** `Infinity` ↔ null for JSON. */
export function endToJson(n: number): number | null {
  return Number.isFinite(n) ? n : null;
}
export function endFromJson(n: number | null): number {
  return n === null ? Number.POSITIVE_INFINITY : n;
}

/** Drop `undefined` members so snapshots are stable JSON. */
export function compact<T extends object>(o: T): T {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(o)) if (v !== undefined) out[k] = v;
  return out as T;
}
