import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import { DaichoError } from "./errors";
import { expectedOf } from "./expected";
import { orThrow } from "./plain";

/**
 * Run an io-ts codec at a boundary and turn its first failure into a `DaichoError`
 * naming the JSON path and the reason. The offending value is never echoed: it may be
 * personal data.
 */
export function decodeWith<A, O>(
  codec: t.Type<A, O, unknown>,
  input: unknown,
  root = "$",
): E.Either<DaichoError, A> {
  const result = codec.decode(input);
  if (E.isRight(result)) return result;
  const first = result.left[0];
  if (first === undefined)
    return E.left(new DaichoError("DECODE_ERROR", "invalid input", { path: root }));
  return E.left(
    new DaichoError("DECODE_ERROR", describe(first), {
      path: pathOf(first.context, root),
      details: { errors: result.left.length },
    }),
  );
}

function pathOf(context: t.Context, root: string): string {
  let path = root;
  for (const entry of context) {
    if (entry.key === "") continue;
    // io-ts intersections and unions repeat the parent key with a numeric member index.
    if (/^\d+$/.test(entry.key)) {
      const parent = context[context.indexOf(entry) - 1];
      const isArray = parent?.type !== undefined && isArrayType(parent.type);
      if (!isArray) continue;
      path += `[${entry.key}]`;
      continue;
    }
    path += `.${entry.key}`;
  }
  return path;
}

function isArrayType(type: t.Decoder<unknown, unknown>): boolean {
  const tag = (type as { _tag?: string })._tag;
  if (tag === "ArrayType" || tag === "ReadonlyArrayType") return true;
  if (tag === "RefinementType")
    return isArrayType((type as unknown as { type: t.Decoder<unknown, unknown> }).type);
  return false;
}

/**
 * What went wrong, said from the failing codec (its pattern, allowed values or members:
 * `expected Label (/^[a-z0-9][a-z0-9._:-]{0,63}$/)`), never from the value.
 */
function describe(error: t.ValidationError): string {
  if (error.message !== undefined) return error.message;
  const last = error.context[error.context.length - 1];
  if (last === undefined) return "invalid input";
  if (error.value === undefined) return `missing required ${expectedOf(last.type)}`;
  return `expected ${expectedOf(last.type)}`;
}

/**
 * Plain form of {@link decodeWith} (no fp-ts needed): returns the decoded value, or
 * throws `DECODE_ERROR` naming the path and what was expected.
 */
export function decodeWithOrThrow<A, O>(
  codec: t.Type<A, O, unknown>,
  input: unknown,
  root = "$",
): A {
  return orThrow(decodeWith(codec, input, root));
}
