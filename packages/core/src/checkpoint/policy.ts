import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
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
  /** k: how many distinct keys of `keys` must have signed (default 1). */
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
 * Parse a signed checkpoint and check it against "k of these n keys": every signature by
 * a known key must verify (else SIGNATURE_INVALID), and at least k distinct known keys
 * must have signed (else SIGNATURE_INVALID naming how many did). Malformed text gives
 * CHECKPOINT_INVALID. Nothing in the note is trusted before this returns Right. Keys may
 * be plain Ed25519 (0x01) or cosignature/v1 witness keys (0x04); both count toward k.
 */
export function verifyCheckpoint(
  text: string | Uint8Array,
  policy: TrustPolicy,
): E.Either<DaichoError, VerifiedCheckpoint> {
  const threshold = policy.threshold ?? 1;
  if (!Number.isSafeInteger(threshold) || threshold < 1 || threshold > policy.keys.length) {
    return E.left(
      new DaichoError(
        "INVALID_ARGUMENT",
        `a threshold of ${threshold} cannot be met by ${policy.keys.length} keys`,
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
  const { verifiedBy, unknown, cosignatures } = checked.right;
  if (verifiedBy.length < threshold) {
    return E.left(
      new DaichoError(
        "SIGNATURE_INVALID",
        `needs signatures by ${threshold} of ${policy.keys.length} trusted keys; found ${verifiedBy.length}`,
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
