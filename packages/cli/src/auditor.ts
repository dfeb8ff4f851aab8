import { existsSync, readFileSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { type NoteVerifier, parseVerifierKeys, type TrustPolicy } from "@daicho/core/checkpoint";
import type { Args } from "./args";

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
  if (raw === undefined) return undefined;
  if (!/^(0|[1-9][0-9]{0,15})$/.test(raw) || !Number.isSafeInteger(Number(raw))) {
    throw new DaichoError("INVALID_ARGUMENT", `--${name} needs a non-negative integer`, {
      path: `--${name}`,
    });
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

/** Error codes that mean "verification failed" (exit 1) rather than "bad input" (exit 2). */
export const VERIFICATION_CODES = new Set([
  "PROOF_INVALID",
  "SIGNATURE_INVALID",
  "CHECKPOINT_INVALID",
  "BUNDLE_INVALID",
]);
