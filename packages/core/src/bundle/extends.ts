import * as E from "fp-ts/lib/Either.js";
import { fromBase64 } from "../checkpoint/base64";
import type { Checkpoint } from "../checkpoint/checkpoint";
import { type TrustPolicy, verifyCheckpoint } from "../checkpoint/policy";
import { DaichoError } from "../errors";
import { bytesEqual } from "../merkle/hash";
import { verifyConsistency } from "../merkle/verify";

/** An older checkpoint a file proves its checkpoint extends. */
export interface ExtendedCheckpoint {
  readonly size: number;
  readonly checkpoint: Checkpoint;
  readonly verifiedBy: readonly string[];
}

/**
 * Steps 6 and 7 of docs/spec.md §9.2, shared by bundles and extracts (§12.6 step 7):
 * every consistency entry's checkpoint satisfies `policy` and its RFC 9162 proof leads
 * to `cp`; a `held` checkpoint (verified against the same policy) is `cp` itself or one
 * of the entries. Left(PROOF_INVALID) for a stale file, a rollback or a fork; the
 * checkpoint errors of `verifyCheckpoint` for an entry or the held checkpoint.
 */
export function checkExtends(
  entries: readonly { readonly checkpoint: string; readonly proof: readonly string[] }[],
  policy: TrustPolicy,
  cp: Checkpoint,
  heldText: string | undefined,
  what: string,
): E.Either<
  DaichoError,
  { readonly extended: ExtendedCheckpoint[]; readonly held?: { readonly size: number } }
> {
  const extended: ExtendedCheckpoint[] = [];
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as (typeof entries)[number];
    const old = verifyCheckpoint(entry.checkpoint, policy);
    if (E.isLeft(old))
      return E.left(new DaichoError(old.left.code, old.left.reason, { path: `consistency[${i}]` }));
    const o = old.right.checkpoint;
    const proof = entry.proof.map((x) => fromBase64(x) as Uint8Array);
    const ok = verifyConsistency(o.size, cp.size, proof, o.root, cp.root);
    if (E.isLeft(ok))
      return E.left(
        new DaichoError("PROOF_INVALID", ok.left.reason, { path: `consistency[${i}]` }),
      );
    extended.push({ size: o.size, checkpoint: o, verifiedBy: old.right.verifiedBy });
  }
  if (heldText === undefined) return E.right({ extended });
  const h = verifyCheckpoint(heldText, policy);
  if (E.isLeft(h))
    return E.left(
      new DaichoError(h.left.code, `held checkpoint: ${h.left.reason}`, { path: "held" }),
    );
  const hc = h.right.checkpoint;
  if (hc.size > cp.size) {
    return E.left(
      new DaichoError(
        "PROOF_INVALID",
        `the ${what}'s checkpoint (size ${cp.size}) is older than the one you hold (size ${hc.size}): rollback or stale ${what}`,
        { path: "held" },
      ),
    );
  }
  const sameSize =
    hc.size === cp.size ? [{ checkpoint: cp }] : extended.filter((x) => x.size === hc.size);
  if (sameSize.find((x) => bytesEqual(x.checkpoint.root, hc.root)) === undefined) {
    return E.left(
      new DaichoError(
        "PROOF_INVALID",
        `the ${what} does not prove that its log extends your checkpoint of size ${hc.size}`,
        { path: "held" },
      ),
    );
  }
  return E.right({ extended, held: { size: hc.size } });
}
