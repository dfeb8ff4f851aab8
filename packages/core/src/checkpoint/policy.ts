import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { type Checkpoint, parseCheckpoint } from "./checkpoint";
import type { NoteVerifier } from "./keys";
import {
  checkSignatures,
  formatNote,
  mergeNotes,
  parseNote,
  type SignedNote,
  signNote,
  type WitnessCosignature,
} from "./note";
import type { Signer } from "./signer";

/** Which keys an auditor trusts and how many of them must have signed. */
export interface TrustPolicy {
  /** The n keys. */
  readonly keys: readonly NoteVerifier[];
  /**
   * k: how many distinct signers of `keys` must have signed (default 1). Signers are
   * counted by key name: one witness trusted with both its signed-note key (0x01) and its
   * cosignature/v1 key (0x04) counts once.
   */
  readonly threshold?: number;
  /** When set, the checkpoint's origin must equal it (the ledger id the auditor expects). */
  readonly origin?: string;
}

/** A checkpoint whose signatures satisfied a policy. */
export interface VerifiedCheckpoint {
  readonly checkpoint: Checkpoint;
  readonly note: SignedNote;
  readonly verifiedBy: readonly string[];
  readonly unknown: readonly { name: string; keyId: string }[];
  /** Verified cosignature/v1 lines (counted in `verifiedBy`) with their witness timestamps. */
  readonly cosignatures: readonly WitnessCosignature[];
}

/**
 * Parse a signed checkpoint and check it against "k of these n signers": every signature
 * by a known key must verify (else SIGNATURE_INVALID), and known keys of at least k
 * distinct names must have signed (else SIGNATURE_INVALID naming how many did). Keys may
 * be plain Ed25519 (0x01) or cosignature/v1 witness keys (0x04); a name counts once
 * however many of its keys signed, so one witness cannot meet a threshold of two by
 * signing twice. Malformed text gives CHECKPOINT_INVALID. Nothing in the note is trusted
 * before this returns Right.
 */
export function verifyCheckpoint(
  text: string | Uint8Array,
  policy: TrustPolicy,
): E.Either<DaichoError, VerifiedCheckpoint> {
  const threshold = policy.threshold ?? 1;
  const signers = new Set(policy.keys.map((k) => k.name)).size;
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > signers) {
    return E.left(
      new DaichoError(
        "INVALID_ARGUMENT",
        `a threshold of ${threshold} cannot be met by ${signers} distinct key names (one witness with two keys counts once)`,
        {
          path: "threshold",
        },
      ),
    );
  }
  const note = parseNote(text);
  if (E.isLeft(note)) return note;
  const checkpoint = parseCheckpoint(note.right.text);
  if (E.isLeft(checkpoint)) return checkpoint;
  if (policy.origin !== undefined && checkpoint.right.origin !== policy.origin) {
    return E.left(
      new DaichoError("CHECKPOINT_INVALID", "the checkpoint is from another ledger", {
        path: "origin",
      }),
    );
  }
  const checked = checkSignatures(note.right, policy.keys);
  if (E.isLeft(checked)) return checked;
  const { unknown, cosignatures } = checked.right;
  // Distinct signers by key name: the 0x01 and 0x04 keys of one witness are one vote.
  const verifiedBy = [...new Set(checked.right.verifiedBy)];
  if (verifiedBy.length < threshold) {
    return E.left(
      new DaichoError(
        "SIGNATURE_INVALID",
        `needs signatures by ${threshold} of ${signers} trusted keys; found ${verifiedBy.length} (signers are counted by key name)`,
        { details: { verifiedBy, unknownSigners: unknown.map((u) => u.name) } },
      ),
    );
  }
  return E.right({
    checkpoint: checkpoint.right,
    note: note.right,
    verifiedBy,
    unknown,
    cosignatures,
  });
}

/**
 * Co-sign a checkpoint: a witness, auditor or DPO adds its own signature line. When
 * `policy` is given the checkpoint must satisfy it first, so nobody co-signs a checkpoint
 * they have not checked. Returns the note text with every earlier signature kept.
 */
export async function cosignCheckpoint(
  text: string,
  signer: Signer,
  policy?: TrustPolicy,
): Promise<string> {
  const note =
    policy === undefined
      ? parseNote(text)
      : E.map((v: VerifiedCheckpoint) => v.note)(verifyCheckpoint(text, policy));
  if (E.isLeft(note)) throw note.left;
  const body = parseCheckpoint(note.right.text);
  if (E.isLeft(body)) throw body.left;
  return formatNote(await signNote(note.right.text, [signer], note.right.signatures));
}

/** Merge the signature lines of two copies of the same checkpoint (throws CHECKPOINT_INVALID if they differ). */
export function mergeCheckpoints(a: string, b: string): string {
  const [na, nb] = [parseNote(a), parseNote(b)];
  if (E.isLeft(na)) throw na.left;
  if (E.isLeft(nb)) throw nb.left;
  const merged = mergeNotes(na.right, nb.right);
  if (E.isLeft(merged)) throw merged.left;
  return formatNote(merged.right);
}

/**
 * Plain form of {@link verifyCheckpoint} (no fp-ts needed): returns the verified
 * checkpoint, or throws `CHECKPOINT_INVALID` / `SIGNATURE_INVALID`.
 */
export const verifyCheckpointOrThrow = throwing(verifyCheckpoint);
