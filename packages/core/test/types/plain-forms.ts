/**
 * Type-level guard (issue 12 item 5): every public function that returns an `Either`, in
 * every public entry point, has a plain twin `…OrThrow` that does not; static methods of
 * exported classes too (`ActorsView.fromSnapshotOrThrow`). A new `Either` function
 * without its twin fails `pnpm run typecheck` naming it ("Type '"@daicho/core/checkpoint:
 * parseFoo"' does not satisfy the constraint 'never'"). The consumer test compiles this file against the
 * packed packages, so the published declarations are held to the same rule.
 *
 * `Either` is recognised by its shape, so this file needs no fp-ts import of its own.
 */
import type { parseCheckpoint } from "@daicho/core/checkpoint";

type Left = { readonly _tag: "Left"; readonly left: unknown };
type Right = { readonly _tag: "Right"; readonly right: unknown };
type IsEither<R> = 0 extends 1 & R
  ? false
  : [R] extends [never]
    ? false
    : [R] extends [Left | Right]
      ? true
      : false;
type ReturnsEither<F> = F extends (...args: never[]) => infer R ? IsEither<R> : false;

/** Names of the members of `M` that are functions returning an `Either`. */
type EitherMembers<M> = {
  [K in keyof M & string]: ReturnsEither<M[K]> extends true ? K : never;
}[keyof M & string];

/** `K` unless `M` has a callable `${K}OrThrow` that returns no `Either`. */
type Unpaired<M, K extends string> = `${K}OrThrow` extends keyof M
  ? M[`${K}OrThrow` & keyof M] extends (...args: never[]) => infer R
    ? IsEither<R> extends true
      ? K
      : never
    : K
  : K;

type MissingFunctions<M> = { [K in EitherMembers<M>]: Unpaired<M, K> }[EitherMembers<M>];
type MissingStatics<M> = {
  [K in keyof M & string]: M[K] extends abstract new (
    ...args: never[]
  ) => unknown
    ? `${K}.${MissingFunctions<M[K]>}`
    : never;
}[keyof M & string];
/** Every `Either` function or static method of module `M` that lacks its plain twin. */
export type MissingPlainForms<M> = MissingFunctions<M> | MissingStatics<M>;

/** Every public entry point, by its import path. */
interface EntryPoints {
  "@daicho/core": typeof import("@daicho/core");
  "@daicho/core/testing": typeof import("@daicho/core/testing");
  "@daicho/core/merkle": typeof import("@daicho/core/merkle");
  "@daicho/core/checkpoint": typeof import("@daicho/core/checkpoint");
  "@daicho/core/bundle": typeof import("@daicho/core/bundle");
  "@daicho/core/crypto": typeof import("@daicho/core/crypto");
  "@daicho/core/keys": typeof import("@daicho/core/keys");
  "@daicho/core/erasure": typeof import("@daicho/core/erasure");
  "@daicho/core/subject-access": typeof import("@daicho/core/subject-access");
  "@daicho/core/views": typeof import("@daicho/core/views");
  "@daicho/core/policy": typeof import("@daicho/core/policy");
  "@daicho/core/monitor": typeof import("@daicho/core/monitor");
  "@daicho/core/reports": typeof import("@daicho/core/reports");
  "@daicho/core/pseudonym": typeof import("@daicho/core/pseudonym");
  "@daicho/core/breach": typeof import("@daicho/core/breach");
  "@daicho/core/requests": typeof import("@daicho/core/requests");
  "@daicho/core/incidents": typeof import("@daicho/core/incidents");
  "@daicho/core/map": typeof import("@daicho/core/map");
  "@daicho/core/extract": typeof import("@daicho/core/extract");
  "@daicho/adapters/sqlite": typeof import("@daicho/adapters/sqlite");
  "@daicho/adapters/sqlite-keys": typeof import("@daicho/adapters/sqlite-keys");
  "@daicho/adapters/http": typeof import("@daicho/adapters/http");
  "@daicho/adapters/http/express": typeof import("@daicho/adapters/http/express");
  "@daicho/adapters/http/fastify": typeof import("@daicho/adapters/http/fastify");
  "@daicho/adapters/postgres": typeof import("@daicho/adapters/postgres");
  "@daicho/adapters/postgres/harness": typeof import("@daicho/adapters/postgres/harness");
  "@daicho/adapters/kurrentdb": typeof import("@daicho/adapters/kurrentdb");
}

/** `"<entry point>: <name>"` for every function that lacks its plain twin. */
type UnpairedInEntryPoints = {
  [P in keyof EntryPoints & string]: `${P}: ${MissingPlainForms<EntryPoints[P]>}`;
}[keyof EntryPoints & string];
type NoneMissing<T extends never> = T;
export type EveryEitherHasAPlainForm = NoneMissing<UnpairedInEntryPoints>;

// The guard is not vacuous: it sees the `Either` functions it checks, and names one whose
// twin is missing, returns an `Either` itself, or is a static method of a class.
export const sees: "verifyCheckpoint" extends EitherMembers<
  typeof import("@daicho/core/checkpoint")
>
  ? true
  : false = true;
export const seesStatics: "fromSnapshot" extends EitherMembers<
  typeof import("@daicho/core/views").ActorsView
>
  ? true
  : false = true;
export const catchesMissing: MissingPlainForms<{ parse: typeof parseCheckpoint }> = "parse";
export const catchesEitherTwin: MissingPlainForms<{
  parse: typeof parseCheckpoint;
  parseOrThrow: typeof parseCheckpoint;
}> = "parse";
declare const WithStatic: { new (): object; parse: typeof parseCheckpoint };
export const catchesStatic: MissingPlainForms<{ WithStatic: typeof WithStatic }> =
  "WithStatic.parse";
