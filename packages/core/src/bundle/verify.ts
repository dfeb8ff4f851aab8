import * as E from "fp-ts/lib/Either.js";
import { eventHash } from "../chain";
import { fromBase64, toBase64 } from "../checkpoint/base64";
import { type TrustPolicy, verifyCheckpoint } from "../checkpoint/policy";
import { decodeWith } from "../decode";
import { DaichoError } from "../errors";
import { genesisHash } from "../hash";
import { eventLeafHash } from "../merkle/hash";
import { verifyRangeProof } from "../merkle/range-proof";
import { throwing } from "../plain";
import { checkExtends } from "./extends";
import { Bundle } from "./format";

/** What a verified bundle established. */
export interface BundleReport {
  readonly ledgerId: string;
  readonly from: number;
  readonly to: number;
  readonly checkpoint: {
    readonly size: number;
    readonly root: string;
    readonly verifiedBy: readonly string[];
  };
  /** Older checkpoints the bundle proved its checkpoint extends. */
  readonly extends: readonly { readonly size: number; readonly verifiedBy: readonly string[] }[];
  /** Set when the auditor supplied a checkpoint they hold and the bundle proved it is extended. */
  readonly held?: { readonly size: number };
}

export interface BundleVerifyOptions {
  /** The keys and threshold every checkpoint in the bundle must satisfy. */
  readonly policy: TrustPolicy;
  /**
   * A signed checkpoint the auditor already holds (e.g. last quarter's). The bundle must
   * prove its checkpoint extends it; otherwise verification fails — rollback, truncation
   * or a forked history all end here.
   */
  readonly held?: string;
}

const bad = (reason: string, path?: string) =>
  E.left(new DaichoError("BUNDLE_INVALID", reason, path === undefined ? {} : { path }));
const b64s = (xs: readonly string[]) => xs.map((x) => fromBase64(x) as Uint8Array);

/**
 * Verify an audit bundle offline with only public keys: the checkpoint(s) against the
 * trust policy, every event's hash from its stored bytes, the sequence and hash chain
 * inside the range (anchored at event from−1, or at the genesis hash), subject back-links
 * that stay inside the range, the range proof against the checkpoint root, and every
 * consistency proof. Returns the first failure as a typed error: BUNDLE_INVALID for the
 * file and its events, CHECKPOINT_INVALID / SIGNATURE_INVALID for checkpoints,
 * PROOF_INVALID for proofs. Trusts nothing in the file before it is checked.
 */
export function verifyBundle(
  text: string,
  options: BundleVerifyOptions,
): E.Either<DaichoError, BundleReport> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return bad("the bundle is not valid JSON (truncated or corrupt)");
  }
  const decoded = decodeWith(Bundle, json, "bundle");
  if (E.isLeft(decoded)) return bad(decoded.left.reason, decoded.left.path);
  const b = decoded.right;
  const policy = { ...options.policy, origin: b.ledgerId };
  const main = verifyCheckpoint(b.checkpoint, policy);
  if (E.isLeft(main)) return main;
  const cp = main.right.checkpoint;

  const { from, to } = b.range;
  if (from >= to || to > cp.size)
    return bad(`range [${from}, ${to}) is not inside the checkpoint of size ${cp.size}`, "range");
  if (b.events.length !== to - from)
    return bad(`the range needs ${to - from} events; the bundle has ${b.events.length}`, "events");
  if (from > 0 !== (b.anchor !== undefined))
    return bad("an anchor is present exactly when the range starts after 0", "anchor");

  const chain = checkChain(b, from);
  if (E.isLeft(chain)) return chain;

  const leaves = [
    ...(b.anchor === undefined ? [] : [b.anchor]),
    ...b.events.map((e) => e.hash),
  ].map(eventLeafHash);
  const proof = { left: b64s(b.rangeProof.left), right: b64s(b.rangeProof.right) };
  const inTree = verifyRangeProof(
    b.anchor === undefined ? from : from - 1,
    leaves,
    cp.size,
    proof,
    cp.root,
  );
  if (E.isLeft(inTree)) return inTree;

  const ext = checkExtends(b.consistency, policy, cp, options.held, "bundle");
  if (E.isLeft(ext)) return ext;
  const { extended, held } = ext.right;

  return E.right({
    ledgerId: b.ledgerId,
    from,
    to,
    checkpoint: { size: cp.size, root: toBase64(cp.root), verifiedBy: main.right.verifiedBy },
    extends: extended.map(({ size, verifiedBy }) => ({ size, verifiedBy })),
    ...(held === undefined ? {} : { held }),
  });
}

interface ParsedLinks {
  seq: unknown;
  prevHash: unknown;
  subjects?: { id?: unknown; prevSeq?: unknown; prevHash?: unknown }[];
}

/** Hashes, sequence numbers, the prevHash chain, and back-links that point inside the range. */
function checkChain(b: Bundle, from: number): E.Either<DaichoError, void> {
  let prev = b.anchor ?? genesisHash(b.ledgerId);
  const hashes = new Map<number, string>();
  for (let i = 0; i < b.events.length; i++) {
    const e = b.events[i] as (typeof b.events)[number];
    const path = `events[${i}]`;
    if (e.seq !== from + i) return bad(`expected sequence number ${from + i}`, path);
    if (eventHash(e.body) !== e.hash)
      return bad(`event ${e.seq}: its bytes do not hash to its hash`, path);
    let body: ParsedLinks;
    try {
      body = JSON.parse(e.body) as ParsedLinks;
    } catch {
      return bad(`event ${e.seq}: body is not JSON`, path);
    }
    if (typeof body !== "object" || body === null || body.seq !== e.seq)
      return bad(`event ${e.seq}: body names another sequence number`, path);
    if (body.prevHash !== prev)
      return bad(`event ${e.seq}: does not link to the event before it`, path);
    for (const link of Array.isArray(body.subjects) ? body.subjects : []) {
      if (typeof link?.prevSeq === "number" && link.prevSeq >= from) {
        if (hashes.get(link.prevSeq) !== link.prevHash)
          return bad(`event ${e.seq}: a subject back-link is broken`, path);
      }
    }
    hashes.set(e.seq, e.hash);
    prev = e.hash;
  }
  return E.right(undefined);
}

/**
 * Plain form of {@link verifyBundle} (no fp-ts needed): returns the report of a bundle
 * that verifies, or throws the first failure (`BUNDLE_INVALID`, `CHECKPOINT_INVALID`,
 * `SIGNATURE_INVALID`, `PROOF_INVALID`).
 */
export const verifyBundleOrThrow = throwing(verifyBundle);
