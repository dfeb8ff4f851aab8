import * as E from "fp-ts/lib/Either.js";
import { fromBase64, toBase64 } from "../checkpoint/base64";
import { type TrustPolicy, type VerifiedCheckpoint, verifyCheckpoint } from "../checkpoint/policy";
import { DaichoError } from "../errors";
import { bytesEqual, eventLeafHash } from "../merkle/hash";
import { verifyConsistency, verifyInclusion } from "../merkle/verify";
import { throwing } from "../plain";
import {
  type ConsistencyProofFile,
  INCLUSION_PROOF_FORMAT,
  type InclusionProofFile,
  parseProofFile,
} from "./proof-file";

/** What the auditor brings to a proof file besides the file. */
export interface ProofCheck {
  /** The keys and threshold every checkpoint must satisfy. */
  readonly policy: TrustPolicy;
  /**
   * The signed checkpoints that give the sizes and roots (never the file): for an
   * inclusion proof the one checkpoint at its tree size; for a consistency proof the
   * checkpoints at both sizes (one when the sizes are equal).
   */
  readonly checkpoints: readonly (string | Uint8Array)[];
  /**
   * The event hash (64 lower-case hex) the auditor holds or computed from the event's
   * bytes: an inclusion proof must be about exactly this event. Without it, the report
   * says only that the event hash written in the file is in the log.
   */
  readonly eventHash?: string;
}

/** What a verified proof file established. */
export type ProofReport =
  | {
      readonly kind: "inclusion";
      readonly ledgerId: string;
      readonly seq: number;
      readonly treeSize: number;
      readonly root: string;
      readonly eventHash: string;
      /** True when the caller supplied the event (hash or bytes) and it matched. */
      readonly eventChecked: boolean;
      readonly verifiedBy: readonly string[];
    }
  | {
      readonly kind: "consistency";
      readonly ledgerId: string;
      readonly oldSize: number;
      readonly oldRoot: string;
      readonly newSize: number;
      readonly newRoot: string;
      readonly verifiedBy: { readonly old: readonly string[]; readonly new: readonly string[] };
    };

const invalid = (reason: string, path: string) =>
  E.left(new DaichoError("PROOF_INVALID", reason, { path }));
const usage = (reason: string, path: string) =>
  E.left(new DaichoError("INVALID_ARGUMENT", reason, { path }));
const hash = (b64: string) => fromBase64(b64) as Uint8Array;

/**
 * Check a proof file (spec §7.6) offline, with no ledger: parse it strictly
 * (DECODE_ERROR), verify each checkpoint against the policy with origin = the file's
 * `ledgerId` (CHECKPOINT_INVALID / SIGNATURE_INVALID), take sizes and roots from the
 * checkpoints and require the file's to be the same, then check the RFC 9162 proof
 * against the checkpoint roots (PROOF_INVALID). The members `ok`, `verdict` and `reason`
 * are the prover's words and are ignored. INVALID_ARGUMENT when the caller brings the
 * wrong number of checkpoints or a malformed event hash.
 */
export function verifyProofFile(
  text: string | Uint8Array,
  check: ProofCheck,
): E.Either<DaichoError, ProofReport> {
  if (check.eventHash !== undefined && !/^[0-9a-f]{64}$/.test(check.eventHash))
    return usage("the event hash must be 64 lower-case hex digits", "eventHash");
  const parsed = parseProofFile(text);
  if (E.isLeft(parsed)) return parsed;
  const file = parsed.right;
  const verified: VerifiedCheckpoint[] = [];
  for (const [i, cp] of check.checkpoints.entries()) {
    const v = verifyCheckpoint(cp, { ...check.policy, origin: file.ledgerId });
    if (E.isLeft(v))
      return E.left(new DaichoError(v.left.code, v.left.reason, { path: `checkpoint[${i}]` }));
    verified.push(v.right);
  }
  return file.format === INCLUSION_PROOF_FORMAT
    ? checkInclusion(file, verified, check.eventHash)
    : checkConsistency(file, verified);
}

function checkInclusion(
  file: InclusionProofFile,
  checkpoints: readonly VerifiedCheckpoint[],
  heldEventHash: string | undefined,
): E.Either<DaichoError, ProofReport> {
  const [signed, ...extra] = checkpoints;
  if (signed === undefined || extra.length > 0)
    return usage("an inclusion proof is checked against exactly one checkpoint", "checkpoints");
  const cp = signed.checkpoint;
  // Size and root come from the signed checkpoint; the file's copies must agree.
  if (file.treeSize !== cp.size)
    return invalid(
      `the proof is for a tree of size ${file.treeSize}; the checkpoint commits to size ${cp.size}`,
      "treeSize",
    );
  if (!bytesEqual(hash(file.root), cp.root))
    return invalid("the proof's root is not the checkpoint's root", "root");
  if (heldEventHash !== undefined && heldEventHash !== file.eventHash)
    return invalid("the proof is about another event than the one you hold", "eventHash");
  const leaf = eventLeafHash(file.eventHash);
  if (!bytesEqual(leaf, hash(file.leafHash)))
    return invalid("leafHash is not the leaf hash of eventHash", "leafHash");
  const ok = verifyInclusion(file.seq, cp.size, leaf, file.proof.map(hash), cp.root);
  if (E.isLeft(ok)) return invalid(ok.left.reason, "proof");
  return E.right({
    kind: "inclusion",
    ledgerId: file.ledgerId,
    seq: file.seq,
    treeSize: cp.size,
    root: toBase64(cp.root),
    eventHash: file.eventHash,
    eventChecked: heldEventHash !== undefined,
    verifiedBy: signed.verifiedBy,
  });
}

function checkConsistency(
  file: ConsistencyProofFile,
  checkpoints: readonly VerifiedCheckpoint[],
): E.Either<DaichoError, ProofReport> {
  const needed = file.oldSize === file.newSize ? 1 : 2;
  if (checkpoints.length !== needed)
    return usage(
      needed === 1
        ? "a consistency proof between equal sizes is checked against one checkpoint"
        : `a consistency proof is checked against two checkpoints: the one of size ${file.oldSize} and the one of size ${file.newSize}`,
      "checkpoints",
    );
  const at = (size: number) => checkpoints.find((c) => c.checkpoint.size === size);
  const [older, newer] = [at(file.oldSize), at(file.newSize)];
  if (older === undefined || newer === undefined) {
    const sizes = checkpoints.map((c) => c.checkpoint.size).join(" and ");
    return invalid(
      `the proof is between sizes ${file.oldSize} and ${file.newSize}; the checkpoints are of size ${sizes}`,
      older === undefined ? "oldSize" : "newSize",
    );
  }
  if (!bytesEqual(hash(file.oldRoot), older.checkpoint.root))
    return invalid("oldRoot is not the root of the checkpoint of that size", "oldRoot");
  if (!bytesEqual(hash(file.newRoot), newer.checkpoint.root))
    return invalid("newRoot is not the root of the checkpoint of that size", "newRoot");
  const ok = verifyConsistency(
    file.oldSize,
    file.newSize,
    file.proof.map(hash),
    older.checkpoint.root,
    newer.checkpoint.root,
  );
  if (E.isLeft(ok)) return invalid(ok.left.reason, "proof");
  return E.right({
    kind: "consistency",
    ledgerId: file.ledgerId,
    oldSize: file.oldSize,
    oldRoot: toBase64(older.checkpoint.root),
    newSize: file.newSize,
    newRoot: toBase64(newer.checkpoint.root),
    verifiedBy: { old: older.verifiedBy, new: newer.verifiedBy },
  });
}

/**
 * Plain form of {@link verifyProofFile} (no fp-ts needed): returns the report of a proof
 * file that verifies, or throws the first failure (`DECODE_ERROR`, `CHECKPOINT_INVALID`,
 * `SIGNATURE_INVALID`, `PROOF_INVALID`, `INVALID_ARGUMENT`).
 */
export const verifyProofFileOrThrow = throwing(verifyProofFile);
