import { existsSync, readFileSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { type NoteVerifier, parseVerifierKeys, type TrustPolicy } from "@daicho/core/checkpoint";
import type { Args, OptionSpecs } from "./args";

/** Read a text file named on the command line; NOT_FOUND names the option. */
export function readText(file: string | undefined, what: string): string {
  if (file === undefined)
    throw new DaichoError("INVALID_ARGUMENT", `name the ${what} file`, { path: what });
  try {
    return readFileSync(file, "utf8");
  } catch (e) {
    throw new DaichoError("NOT_FOUND", `cannot read the ${what} file`, { path: file, cause: e });
  }
}

/**
 * The trust policy from `--vkey` (comma-separated: files of verifier keys, one per line,
 * or verifier-key texts) and `--threshold k` (default 1).
 */
export function trustPolicy(args: Args): TrustPolicy {
  const spec = args.options.get("vkey");
  if (spec === undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "name the trusted verifier key(s) with --vkey <file or key>[,…]",
      {
        path: "--vkey",
      },
    );
  }
  const keys: NoteVerifier[] = [];
  for (const part of spec.split(",")) {
    const text = existsSync(part) ? readText(part, "--vkey") : part;
    const parsed: Result<NoteVerifier[]> = parseVerifierKeys(text);
    if (parsed._tag === "Left") {
      throw new DaichoError("INVALID_ARGUMENT", parsed.left.reason, {
        path: `--vkey ${parsed.left.path ?? ""}`,
      });
    }
    keys.push(...parsed.right);
  }
  if (keys.length === 0)
    throw new DaichoError("INVALID_ARGUMENT", "no verifier keys found", { path: "--vkey" });
  const threshold = intOption(args, "threshold") ?? 1;
  return { keys, threshold };
}

/** A non-negative integer option, or undefined when absent; INVALID_ARGUMENT when malformed. */
export function intOption(args: Args, name: string): number | undefined {
  const raw = args.options.get(name);
  return raw === undefined ? undefined : decimal(raw, `--${name}`);
}

/**
 * A decimal non-negative integer as typed on a command line: digits only, no sign, no
 * leading zero, at most 2^53 − 1 (so it is exact). INVALID_ARGUMENT naming `what` otherwise.
 */
export function decimal(raw: string, what: string): number {
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `${what} needs a decimal integer from 0 to 9007199254740991 (2^53 − 1), without sign or leading zeros`,
      { path: what },
    );
  }
  return Number(raw);
}

/** The shape of fp-ts's Either, so the CLI needs no fp-ts import of its own. */
export type Result<A> =
  | { readonly _tag: "Left"; readonly left: DaichoError }
  | { readonly _tag: "Right"; readonly right: A };

/** Unwrap a core result at the CLI boundary (its error is reported by `main`). */
export function orThrow<A>(e: Result<A>): A {
  if (e._tag === "Left") throw e.left;
  return e.right;
}

/** `--vkey` and `--threshold`, for every command that checks signed checkpoints. */
export const TRUST_OPTIONS: OptionSpecs = {
  vkey: {
    type: "string",
    value: "K",
    help: "trusted verifier keys: a file (one key a line) or a key text; several separated by commas",
  },
  threshold: {
    type: "string",
    value: "k",
    help: "how many trusted keys must have signed (default 1)",
  },
};
