import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { isTreeSize } from "../merkle/bits";
import { HASH_SIZE } from "../merkle/hash";
import { throwing } from "../plain";
import { fromBase64, toBase64 } from "./base64";
import { isValidKeyName } from "./keys";

/**
 * C2SP tlog-checkpoint v1.0.0 note text:
 *
 *   <origin>\n<tree size, decimal, no leading zeros>\n<base64(root hash)>\n[<extension line>\n]*
 *
 * Daichō writes no extension lines; it parses and preserves them when reading. The
 * origin is the ledger id and must be a valid origin: non-empty, no Unicode spaces, no
 * `+`, no control characters (docs/spec.md "Checkpoints").
 */
export interface Checkpoint {
  readonly origin: string;
  readonly size: number;
  /** 32 bytes. */
  readonly root: Uint8Array;
  readonly extensions: readonly string[];
}

/** The largest origin Daichō accepts, in UTF-16 code units. */
export const MAX_ORIGIN_LENGTH = 256;

/**
 * True when `origin` can be a checkpoint origin line and a key name. Daichō holds origins
 * to the key-name rules (no spaces, no `+`) that tlog-checkpoint recommends, so the log's
 * key name can always equal its origin.
 */
export function isValidOrigin(origin: string): boolean {
  return isValidKeyName(origin) && origin.length <= MAX_ORIGIN_LENGTH;
}

/** The note text of a checkpoint. Throws INVALID_ARGUMENT for an invalid origin, size or root. */
export function formatCheckpoint(
  c: Omit<Checkpoint, "extensions"> & { extensions?: readonly string[] },
): string {
  if (!isValidOrigin(c.origin)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "the ledger id is not a valid checkpoint origin (no spaces or '+')",
      {
        path: "origin",
      },
    );
  }
  if (!isTreeSize(c.size))
    throw new DaichoError("INVALID_ARGUMENT", "invalid tree size", { path: "size" });
  if (c.root.length !== HASH_SIZE)
    throw new DaichoError("INVALID_ARGUMENT", "a root is 32 bytes", { path: "root" });
  const ext = c.extensions ?? [];
  for (const line of ext) {
    if (line === "" || line.includes("\n"))
      throw new DaichoError("INVALID_ARGUMENT", "invalid extension line");
  }
  return [c.origin, String(c.size), toBase64(c.root), ...ext].map((l) => `${l}\n`).join("");
}

const DECIMAL = /^(0|[1-9][0-9]{0,15})$/;

/** Parse checkpoint note text (the part a signature covers). Left(CHECKPOINT_INVALID) on any deviation. */
export function parseCheckpoint(text: string): E.Either<DaichoError, Checkpoint> {
  const bad = (reason: string, path: string) =>
    E.left(new DaichoError("CHECKPOINT_INVALID", reason, { path }));
  if (typeof text !== "string" || !text.endsWith("\n"))
    return bad("checkpoint text must end with a newline", "text");
  const lines = text.slice(0, -1).split("\n");
  if (lines.length < 3) return bad("a checkpoint has an origin, a size and a root line", "text");
  const [origin, sizeText, rootText, ...extensions] = lines as [
    string,
    string,
    string,
    ...string[],
  ];
  if (!isValidOrigin(origin)) return bad("invalid origin line", "origin");
  if (!DECIMAL.test(sizeText)) return bad("the size must be decimal without leading zeros", "size");
  const size = Number(sizeText);
  if (!isTreeSize(size)) return bad("the size is out of range", "size");
  const root = fromBase64(rootText);
  if (root === undefined || root.length !== HASH_SIZE)
    return bad("the root must be base64 of 32 bytes", "root");
  if (extensions.some((l) => l === ""))
    return bad("extension lines must not be empty", "extensions");
  return E.right({ origin, size, root, extensions });
}

/**
 * Plain form of {@link parseCheckpoint} (no fp-ts needed): returns the checkpoint, or
 * throws `CHECKPOINT_INVALID`.
 */
export const parseCheckpointOrThrow = throwing(parseCheckpoint);
