import * as t from "io-ts";
import { described, expectedOf, type Patterned, patternBrand } from "../expected";
import { contactDataIn } from "./contact-screen";
import { phoneLikeId, screensPhoneLikeIds } from "./id-screen";

/**
 * Shared codecs for the values every event carries. Identifiers are opaque tokens
 * chosen by the host (`contact-81f3`, `user:42`), never personal values: the pattern
 * excludes `@` and white space so an e-mail address or a name cannot be used as an id
 * by accident (docs/spec.md §2.3). Inside a codec wrapped by `screenPhoneLikeIds` (the
 * append path, unless the ledger opts out) a phone-like id is refused too.
 */
export interface IdBrand {
  readonly Id: unique symbol;
}
export type Id = t.Branded<string, IdBrand>;
const ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:/#-]{0,127}$/;
const PHONE_LIKE_ID =
  "this Id looks like a phone number, and ids are kept in clear after erasure: derive the " +
  "subject id from the natural key with pseudonymId (@daicho/core/pseudonym), or open the " +
  "ledger with allowPhoneLikeIds: true if such ids are not personal data";
const isId = (u: unknown): u is Id => typeof u === "string" && ID_PATTERN.test(u);
export const Id: t.Type<Id, string, unknown> & Patterned = Object.assign(
  new t.Type<Id, string, unknown>(
    "Id",
    isId,
    (u, c) => {
      if (!isId(u)) return t.failure(u, c);
      return screensPhoneLikeIds(c) && phoneLikeId(u)
        ? t.failure(u, c, PHONE_LIKE_ID)
        : t.success(u);
    },
    t.identity,
  ),
  { pattern: ID_PATTERN },
);

/** A field name (`email`, `phone.mobile`), never a field value. */
export interface FieldNameBrand {
  readonly FieldName: unique symbol;
}
const FIELD_PATTERN = /^[A-Za-z_][A-Za-z0-9_]{0,63}(\.[A-Za-z_][A-Za-z0-9_]{0,63}){0,7}$/;
export const FieldName = patternBrand<FieldNameBrand, "FieldName">("FieldName", FIELD_PATTERN);
export type FieldName = t.TypeOf<typeof FieldName>;

/** A short machine label: purposes, formats, lawful bases, reasons codes. */
export interface LabelBrand {
  readonly Label: unique symbol;
}
const LABEL_PATTERN = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
export const Label = patternBrand<LabelBrand, "Label">("Label", LABEL_PATTERN);
export type Label = t.TypeOf<typeof Label>;

/**
 * Free text that is not personal data (a hold's reason, a policy's basis), 1–500 UTF-16
 * code units. Stored in clear and kept after erasure, so text that looks like contact
 * data (an e-mail address, a phone number, a URL with user info: `contactDataIn`) is
 * refused with a reason that says to seal it instead. Names cannot be recognised: text a
 * data subject wrote never goes into a Note (docs/spec.md §2.3).
 */
export interface NoteBrand {
  readonly Note: unique symbol;
}
export type Note = t.Branded<string, NoteBrand>;
export const Note = screenedText<NoteBrand>("Note", 500);

/**
 * The declared non-identifying remainder of a sealed value (`keep`): 1–8 characters
 * (code points), what `keepLast` and `keepYear` produce, and screened like a Note.
 */
export interface KeepValueBrand {
  readonly KeepValue: unique symbol;
}
export type KeepValue = t.Branded<string, KeepValueBrand>;
export const KeepValue = screenedText<KeepValueBrand>("KeepValue", 8, "code points");

const SEAL_INSTEAD =
  "is stored in clear and kept after erasure: seal the value as a personal field " +
  "(`personal: [{ subject, field, value }]`) instead";

/** Bounded clear text that the contact-data screen accepts; failures name the limit or the kind. */
function screenedText<B>(
  name: string,
  max: number,
  unit: "UTF-16 code units" | "code points" = "UTF-16 code units",
): t.Type<t.Branded<string, B>, string, unknown> {
  const size = (s: string) => (unit === "code points" ? [...s].length : s.length);
  const problem = (s: string): string | undefined => {
    const n = size(s);
    if (n === 0 || n > max) return `a ${name} has 1 to ${max} ${unit}`;
    const kind = contactDataIn(s);
    return kind === undefined
      ? undefined
      : `this ${name} looks like it holds contact data (${kind}); a ${name} ${SEAL_INSTEAD}`;
  };
  return new t.Type<t.Branded<string, B>, string, unknown>(
    name,
    (u): u is t.Branded<string, B> => typeof u === "string" && problem(u) === undefined,
    (u, c) => {
      if (typeof u !== "string") return t.failure(u, c, `expected a ${name} string`);
      const p = problem(u);
      return p === undefined ? t.success(u as t.Branded<string, B>) : t.failure(u, c, p);
    },
    (a) => a,
  );
}

/**
 * RFC 3339 timestamp in UTC, normalised to millisecond precision with a `Z` suffix
 * (`2026-11-25T19:35:12.000Z`). Decoding accepts any RFC 3339 offset and fraction and
 * normalises; encoded values are always the canonical form.
 */
export interface TimestampBrand {
  readonly Timestamp: unique symbol;
}
export type Timestamp = t.Branded<string, TimestampBrand>;
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?([Zz]|[+-]\d{2}:\d{2})$/;
const CANONICAL_TS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

export function normalizeTimestamp(s: string): Timestamp | undefined {
  const m = RFC3339.exec(s);
  if (m === null) return undefined;
  const [, y, mo, d, h, mi, se] = m;
  const month = Number(mo);
  const day = Number(d);
  if (month < 1 || month > 12 || day < 1 || day > 31) return undefined;
  if (Number(h) > 23 || Number(mi) > 59 || Number(se) > 59) return undefined;
  const ms = Date.parse(s.toUpperCase());
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 31 February over to March: reject dates that do not exist.
  const probe = new Date(Date.UTC(Number(y), month - 1, day));
  if (probe.getUTCDate() !== day) return undefined;
  const iso = new Date(ms).toISOString();
  return iso as Timestamp;
}

export const Timestamp = new t.Type<Timestamp, string, unknown>(
  "Timestamp",
  (u): u is Timestamp => typeof u === "string" && CANONICAL_TS.test(u),
  (u, c) => {
    if (typeof u !== "string") return t.failure(u, c, "expected an RFC 3339 timestamp string");
    const n = normalizeTimestamp(u);
    return n === undefined ? t.failure(u, c, "not a valid RFC 3339 timestamp") : t.success(n);
  },
  (a) => a,
);

export function timestampOf(date: Date): Timestamp {
  return date.toISOString() as Timestamp;
}

/** Lower-case hex SHA-256 digest. */
export interface Hash256Brand {
  readonly Hash256: unique symbol;
}
const HEX64 = /^[0-9a-f]{64}$/;
export const Hash256 = patternBrand<Hash256Brand, "Hash256">("Hash256", HEX64);
export type Hash256 = t.TypeOf<typeof Hash256>;

/** Non-negative safe integer (sequence numbers, counts). */
export interface NatBrand {
  readonly Nat: unique symbol;
}
export const Nat = described(
  t.brand(
    t.number,
    (n): n is t.Branded<number, NatBrand> => Number.isSafeInteger(n) && n >= 0,
    "Nat",
  ),
  "a non-negative safe integer",
);
export type Nat = t.TypeOf<typeof Nat>;

/** A list with at least one and at most `max` distinct items. */
export function boundedList<C extends t.Mixed>(item: C, max: number, name?: string) {
  return t.refinement(
    t.array(item),
    (xs) => xs.length <= max && new Set(xs as unknown[]).size === xs.length,
    `${name ?? `List<${item.name}>`} (distinct items, at most ${max})`,
  );
}

/**
 * No members: the optional members of a {@link strictStruct} given none. Without this
 * default TypeScript inferred the constraint `t.Props`, and every such struct's type
 * (and its emitted declaration) gained `Partial<{ [x: string]: any }>`, which let
 * misspelt members through and typed every unknown member `any`.
 */
export type NoProps = Record<never, t.Mixed>;

/** What a struct member's name looks like (`lawfulBasis`, `expires_at`); only such keys are echoed. */
const MEMBER_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** A {@link strictStruct} codec, with the member codecs it was built from. */
export type StrictStruct<R extends t.Props, O extends t.Props> = t.Type<
  t.TypeOf<t.TypeC<R>> & Partial<t.TypeOf<t.TypeC<O>>>,
  t.OutputOf<t.TypeC<R>> & Partial<t.OutputOf<t.TypeC<O>>>,
  unknown
> & { readonly required: R; readonly optional: O };

/**
 * A struct codec with required and optional members that rejects unknown keys instead of
 * stripping them: a misspelt key is an error, so a caller never believes a field was
 * recorded when it was not. Optional members given as `undefined` count as absent.
 * Decoding always returns a fresh object (never the caller's), and reports every
 * failing member. Written by hand rather than as `t.exact(t.intersection(…))` because it
 * sits on the append hot path and is several times cheaper. The member codecs stay
 * readable as `required` and `optional`, so tests can walk a schema (every Note member).
 */
export function strictStruct<R extends t.Props, O extends t.Props = NoProps>(
  name: string,
  required: R,
  optional: O = {} as O,
): StrictStruct<R, O> {
  type A = t.TypeOf<t.TypeC<R>> & Partial<t.TypeOf<t.TypeC<O>>>;
  type Out = t.OutputOf<t.TypeC<R>> & Partial<t.OutputOf<t.TypeC<O>>>;
  const requiredEntries = Object.entries(required);
  const optionalEntries = Object.entries(optional);
  const known = new Set([...Object.keys(required), ...Object.keys(optional)]);
  // Members as parallel arrays, required first, for an indexed loop on the hot path.
  const names = [...Object.keys(required), ...Object.keys(optional)];
  const codecs: t.Mixed[] = [...Object.values(required), ...Object.values(optional)];
  const requiredCount = requiredEntries.length;
  const isRecord = (u: unknown): u is Record<string, unknown> =>
    typeof u === "object" && u !== null && !Array.isArray(u);
  const codec: t.Type<A, Out, unknown> = new t.Type<A, Out, unknown>(
    name,
    (u): u is A =>
      isRecord(u) &&
      Object.keys(u).every((k) => known.has(k)) &&
      requiredEntries.every(([k, codec]) => codec.is(u[k])) &&
      optionalEntries.every(([k, codec]) => u[k] === undefined || codec.is(u[k])),
    (u, c) => {
      if (!isRecord(u)) {
        // Absent: the decoder says `missing required <this codec>`.
        return u === undefined
          ? t.failure(u, c)
          : t.failure(u, c, `expected an object: ${expectedOf(codec)}`);
      }
      for (const key of Object.keys(u)) {
        if (!known.has(key)) {
          // A misspelt member is named in the path; a key that cannot be a member name
          // (`hanako@example.jp`) may be data, so the path stops at the object.
          const named = MEMBER_NAME.test(key);
          return t.failure(
            u,
            [...c, { key: named ? key : "", type: t.never, actual: undefined }],
            named
              ? `unknown property: expected ${expectedOf(codec)}`
              : `unknown property (not shown: it is not a member name): expected ${expectedOf(codec)}`,
          );
        }
      }
      const out: Record<string, unknown> = {};
      let errors: t.ValidationError[] | undefined;
      for (let i = 0; i < names.length; i++) {
        const key = names[i] as string;
        const member = codecs[i] as t.Mixed;
        const value = u[key];
        if (i >= requiredCount && value === undefined) continue;
        // First against this struct's context, not the member's own (no allocation on
        // the common path: member codecs read the context only to fail, or to find a
        // screening wrapper above them); a failure runs again with the member's full
        // path, so the error names it.
        const fast = member.validate(value, c);
        if (fast._tag === "Right") {
          out[key] = fast.right;
          continue;
        }
        const r = member.validate(value, t.appendContext(c, key, member, value));
        if (r._tag === "Right") out[key] = r.right;
        else {
          errors = errors ?? [];
          errors.push(...r.left);
        }
      }
      return errors === undefined ? t.success(out as A) : t.failures(errors);
    },
    (a) => {
      const out: Record<string, unknown> = {};
      const record = a as Record<string, unknown>;
      for (const [key, codec] of [...requiredEntries, ...optionalEntries]) {
        const value = record[key];
        if (value !== undefined) out[key] = codec.encode(value);
      }
      return out as Out;
    },
  );
  return Object.assign(codec, { required, optional });
}
