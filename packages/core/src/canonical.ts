import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "./errors";

/**
 * RFC 8785 JSON Canonicalization Scheme (JCS) for the JSON subset Daichō uses.
 *
 * - object members sorted by their names' UTF-16 code units (RFC 8785 §3.2.3),
 *   which is JavaScript's default string order;
 * - strings serialised as ECMAScript `JSON.stringify` does (§3.2.2.2); lone
 *   surrogates are rejected (the RFC requires well-formed Unicode);
 * - numbers serialised as ECMAScript `Number.prototype.toString` (§3.2.2.3);
 *   NaN and ±Infinity are rejected;
 * - no whitespace; `undefined` members are omitted (they are not JSON).
 */
export function canonicalize(value: unknown): E.Either<DaichoError, string> {
  try {
    return E.right(canonicalizeOrThrow(value));
  } catch (e) {
    if (e instanceof DaichoError) return E.left(e);
    throw e;
  }
}

/** Same as {@link canonicalize} but throws the `DaichoError`; for internal hot paths. */
export function canonicalizeOrThrow(value: unknown): string {
  return canonicalForm(value).text;
}

/**
 * The canonical text of `value` and a deep copy of it that shares nothing with the input
 * (`JSON.parse(text)` would give an equal value, at several times the cost). Throws a
 * `DaichoError` naming the path when `value` cannot be canonicalized.
 */
export function canonicalForm(value: unknown): { readonly text: string; readonly copy: unknown } {
  try {
    // Fast path: a copy with members inserted in sorted order, serialised natively.
    // `JSON.stringify` writes members in insertion order — except integer-like names,
    // which it writes first in numeric order; `sortedCopy` refuses those (NEEDS_SLOW_PATH).
    const copy = sortedCopy(value);
    return { text: JSON.stringify(copy), copy };
  } catch (e) {
    if (e !== NEEDS_SLOW_PATH && e !== NOT_JSON) throw e;
  }
  try {
    const text = serialize(value);
    return { text, copy: JSON.parse(text) };
  } catch (e) {
    if (e !== NOT_JSON) throw e;
    // The fast path keeps no path; walk again to say where and why.
    throw (
      locate(value, "$") ??
      new DaichoError("CANONICALIZATION_ERROR", "value is not JSON", { path: "$" })
    );
  }
}

/** Thrown by the fast path; never escapes this module. */
const NOT_JSON = Symbol("not JSON");

/** Thrown by the fast path for objects with integer-like member names (or `__proto__`). */
const NEEDS_SLOW_PATH = Symbol("needs the slow path");
const INTEGER_LIKE = /^(0|[1-9][0-9]*)$/;

/**
 * Validate `value` as canonicalizable JSON and copy it with object members inserted in
 * RFC 8785 order, so `JSON.stringify` of the copy is the canonical text.
 */
function sortedCopy(value: unknown): unknown {
  switch (typeof value) {
    case "string":
      if (!isWellFormed(value)) throw NOT_JSON;
      return value;
    case "number":
      if (!Number.isFinite(value)) throw NOT_JSON;
      return value; // JSON.stringify writes -0 as "0", as RFC 8785 requires
    case "boolean":
      return value;
    case "object": {
      if (value === null) return null;
      if (Array.isArray(value)) {
        const out = new Array(value.length);
        for (let i = 0; i < value.length; i++) {
          const item = value[i];
          if (item === undefined) throw NOT_JSON;
          out[i] = sortedCopy(item);
        }
        return out;
      }
      if (!isPlainObject(value)) throw NOT_JSON;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      const out: Record<string, unknown> = {};
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!isWellFormed(key)) throw NOT_JSON;
        if (INTEGER_LIKE.test(key)) throw NEEDS_SLOW_PATH;
        // `out.__proto__ = x` would set the copy's prototype, dropping the member from the
        // text; the slow path writes it, and JSON.parse gives the copy an own member.
        if (key === "__proto__") throw NEEDS_SLOW_PATH;
        out[key] = sortedCopy(member);
      }
      return out;
    }
    default:
      throw NOT_JSON;
  }
}

/** `String.prototype.isWellFormed` (Node 20+): false exactly when a lone surrogate is present. */
const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

/** The hot path: no path strings are built unless something is wrong. */
function serialize(value: unknown): string {
  switch (typeof value) {
    case "string":
      if (!isWellFormed(value)) throw NOT_JSON;
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) throw NOT_JSON;
      // Number.prototype.toString is the ECMAScript serialisation RFC 8785 cites; -0 → "0".
      return Object.is(value, -0) ? "0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          out += serialize(value[i]);
        }
        return `${out}]`;
      }
      if (!isPlainObject(value)) throw NOT_JSON;
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = "{";
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!isWellFormed(key)) throw NOT_JSON;
        if (out.length > 1) out += ",";
        out += JSON.stringify(key);
        out += ":";
        out += serialize(member);
      }
      return `${out}}`;
    }
    default:
      throw NOT_JSON;
  }
}

/** The slow path: find the first value that is not canonicalizable, with its path. */
function locate(value: unknown, path: string): DaichoError | undefined {
  const fail = (reason: string) => new DaichoError("CANONICALIZATION_ERROR", reason, { path });
  switch (typeof value) {
    case "string":
      return isWellFormed(value) ? undefined : fail("string contains a lone surrogate");
    case "number":
      return Number.isFinite(value) ? undefined : fail("number is not finite");
    case "boolean":
      return undefined;
    case "object": {
      if (value === null) return undefined;
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) {
          const e = locate(value[i], `${path}[${i}]`);
          if (e !== undefined) return e;
        }
        return undefined;
      }
      if (!isPlainObject(value)) return fail("only plain objects can be canonicalized");
      for (const key of Object.keys(value).sort()) {
        const member = (value as Record<string, unknown>)[key];
        if (member === undefined) continue;
        if (!isWellFormed(key)) return fail("member name contains a lone surrogate");
        const e = locate(member, `${path}.${key}`);
        if (e !== undefined) return e;
      }
      return undefined;
    }
    default:
      return fail(`a ${typeof value} is not JSON`);
  }
}
