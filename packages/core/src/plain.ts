import * as E from "fp-ts/lib/Either.js";
import type { DaichoError } from "./errors";

/**
 * Plain forms (issue 12 item 5): fp-ts and io-ts are the foundation inside, but a CRM
 * developer calls the library without learning them. Every public function that returns
 * an `Either<DaichoError, A>` has a twin named `…OrThrow` that returns the `A` or throws
 * the very `DaichoError` the `Either` form would have returned (same `code`, `path`,
 * `reason`, `details`). Both forms are exported; the twins are made here and nowhere
 * else, so the two can never give different verdicts.
 */

/**
 * The value of a `Right`, or throw the `DaichoError` of a `Left`. For callers that hold an
 * `Either` from the library and want the plain value (`orThrow(decodeWith(codec, x))`).
 */
export function orThrow<A>(result: E.Either<DaichoError, A>): A {
  if (E.isLeft(result)) throw result.left;
  return result.right;
}

/**
 * The throwing twin of an `Either`-returning function: same parameters (generic ones
 * too), returns the `Right` value or throws the `Left` `DaichoError` (see {@link orThrow}).
 */
export function throwing<P extends readonly unknown[], A>(
  f: (...args: P) => E.Either<DaichoError, A>,
): (...args: P) => A {
  return (...args) => orThrow(f(...args));
}
