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
    return E.right(serialize(value, "$"));
  } catch (e) {
    if (e instanceof DaichoError) return E.left(e);
    throw e;
  }
}

/** Same as {@link canonicalize} but throws the `DaichoError`; for internal hot paths. */
export function canonicalizeOrThrow(value: unknown): string {
  return serialize(value, "$");
}

/** `String.prototype.isWellFormed` (Node 20+): false exactly when a lone surrogate is present. */
const isWellFormed = (s: string): boolean =>
  (s as unknown as { isWellFormed(): boolean }).isWellFormed();

function serialize(value: unknown, path: string): string {
  switch (typeof value) {
    case "string":
      if (!isWellFormed(value)) {
        throw new DaichoError("CANONICALIZATION_ERROR", "string contains a lone surrogate", {
          path,
        });
      }
      return JSON.stringify(value);
    case "number":
      if (!Number.isFinite(value)) {
        throw new DaichoError("CANONICALIZATION_ERROR", "number is not finite", { path });
      }
      // Number.prototype.toString is exactly the ECMAScript serialisation RFC 8785 cites;
      // -0 serialises as "0" there as well.
      return Object.is(value, -0) ? "0" : String(value);
    case "boolean":
      return value ? "true" : "false";
    case "object": {
      if (value === null) return "null";
      if (Array.isArray(value)) {
        let out = "[";
        for (let i = 0; i < value.length; i++) {
          if (i > 0) out += ",";
          out += serialize(value[i], `${path}[${i}]`);
        }
        return `${out}]`;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) {
        throw new DaichoError("CANONICALIZATION_ERROR", "only plain objects can be canonicalized", {
          path,
        });
      }
      const record = value as Record<string, unknown>;
      const keys = Object.keys(record).sort();
      let out = "{";
      let first = true;
      for (const key of keys) {
        const member = record[key];
        if (member === undefined) continue;
        if (!isWellFormed(key)) {
          throw new DaichoError("CANONICALIZATION_ERROR", "member name contains a lone surrogate", {
            path,
          });
        }
        if (!first) out += ",";
        first = false;
        out += `${JSON.stringify(key)}:${serialize(member, `${path}.${key}`)}`;
      }
      return `${out}}`;
    }
    default:
      throw new DaichoError("CANONICALIZATION_ERROR", `a ${typeof value} is not JSON`, { path });
  }
}
