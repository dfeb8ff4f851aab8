import * as E from "fp-ts/lib/Either.js";
import { fromBase64, toBase64 } from "../checkpoint/base64";
import type { Checkpoint } from "../checkpoint/checkpoint";
import { DaichoError } from "../errors";
import { throwing } from "../plain";

/** The prefix of the checkpoint extension line that carries the subject-map root (spec §12.3). */
export const MAP_LINE_PREFIX = "daicho-subject-map/v1 ";

/** The extension line for a map root: `daicho-subject-map/v1 <base64(root)>`. */
export function mapLine(root: Uint8Array): string {
  return `${MAP_LINE_PREFIX}${toBase64(root)}`;
}

/**
 * The map root a checkpoint signs: Right(undefined) when it has no map line (checkpoints
 * signed before spec §12), Right(root) for exactly one well-formed line, and
 * Left(PROOF_INVALID) for a malformed line or more than one.
 */
export function mapRootOf(checkpoint: Checkpoint): E.Either<DaichoError, Uint8Array | undefined> {
  const lines = checkpoint.extensions.filter((l) => l.startsWith(MAP_LINE_PREFIX));
  if (lines.length === 0) return E.right(undefined);
  if (lines.length > 1)
    return E.left(
      new DaichoError("PROOF_INVALID", "the checkpoint carries more than one subject-map line", {
        path: "checkpoint",
      }),
    );
  const text = (lines[0] as string).slice(MAP_LINE_PREFIX.length);
  const root = text.length === 44 ? fromBase64(text) : undefined;
  if (root === undefined || root.length !== 32)
    return E.left(
      new DaichoError("PROOF_INVALID", "the checkpoint's subject-map line is not one base64 hash", {
        path: "checkpoint",
      }),
    );
  return E.right(root);
}

/** Plain form of {@link mapRootOf} (no fp-ts needed): the result, or throws its `DaichoError`. */
export const mapRootOfOrThrow = throwing(mapRootOf);
