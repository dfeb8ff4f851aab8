import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { throwing } from "../plain";
import { isPowerOfTwo, isTreeSize, lsb } from "./bits";
import { bytesEqual, HASH_SIZE, nodeHash } from "./hash";

/**
 * Pure proof verification, RFC 9162 §2.1.3.2 (inclusion) and §2.1.4.2 (consistency).
 * Every input is treated as hostile: sizes must be safe integers, every hash exactly 32
 * bytes, and a proof must have exactly the length its sizes imply. Failures are
 * `PROOF_INVALID` errors that say which check failed; nothing throws.
 */

/** Upper bound on proof length: a tree of ≤ 2^52 leaves never needs more than 2·52 hashes. */
export const MAX_PROOF_HASHES = 128;

const fail = (reason: string, path?: string): E.Either<DaichoError, never> =>
  E.left(new DaichoError("PROOF_INVALID", reason, path === undefined ? {} : { path }));

function checkHashes(proof: readonly Uint8Array[]): E.Either<DaichoError, void> {
  // An attacker-chosen proof may be huge; bound it before hashing anything.
  if (!Array.isArray(proof) || proof.length > MAX_PROOF_HASHES) {
    return fail(`a proof has at most ${MAX_PROOF_HASHES} hashes`, "proof");
  }
  for (let i = 0; i < proof.length; i++) {
    const p = proof[i];
    if (!(p instanceof Uint8Array) || p.length !== HASH_SIZE) {
      return fail("every proof hash must be 32 bytes", `proof[${i}]`);
    }
  }
  return E.right(undefined);
}

/**
 * The root implied by an inclusion proof of `leafHash` at `index` in a tree of `size`
 * (RFC 9162 §2.1.3.2 steps 1–5, without the final root comparison). Left when the index is
 * out of range, a hash has the wrong length, or the proof has the wrong number of hashes.
 */
export function rootFromInclusionProof(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
): E.Either<DaichoError, Uint8Array> {
  if (!isTreeSize(size) || !isTreeSize(index))
    return fail("index and size must be safe non-negative integers");
  if (index >= size) return fail(`leaf index ${index} is not below tree size ${size}`, "index");
  if (!(leafHash instanceof Uint8Array) || leafHash.length !== HASH_SIZE) {
    return fail("the leaf hash must be 32 bytes", "leafHash");
  }
  const checked = checkHashes(proof);
  if (E.isLeft(checked)) return checked;
  let fn = index;
  let sn = size - 1;
  let r = leafHash;
  for (const p of proof) {
    if (sn === 0) return fail("the proof is longer than the tree is deep", "proof");
    if (lsb(fn) === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (lsb(fn) === 0) {
        while (lsb(fn) === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail("the proof is shorter than the tree is deep", "proof");
  return E.right(r);
}

/**
 * Check that `leafHash` is the leaf at `index` of the tree of `size` whose root is
 * `root`, using the RFC 9162 audit path `proof` (bottom-up). Right(undefined) on success.
 */
export function verifyInclusion(
  index: number,
  size: number,
  leafHash: Uint8Array,
  proof: readonly Uint8Array[],
  root: Uint8Array,
): E.Either<DaichoError, void> {
  if (!(root instanceof Uint8Array) || root.length !== HASH_SIZE)
    return fail("the root hash must be 32 bytes", "root");
  const computed = rootFromInclusionProof(index, size, leafHash, proof);
  if (E.isLeft(computed)) return computed;
  return bytesEqual(computed.right, root)
    ? E.right(undefined)
    : fail(`the proof does not lead to the root of the tree of size ${size}`, "root");
}

/**
 * Check that the tree of `size2` with root `root2` extends the tree of `size1` with
 * root `root1` (RFC 9162 §2.1.4.2). Size 0 is rejected: every tree extends the empty
 * tree, so such a "proof" proves nothing and is refused rather than trusted. Equal sizes
 * need an empty proof and byte-identical roots.
 */
export function verifyConsistency(
  size1: number,
  size2: number,
  proof: readonly Uint8Array[],
  root1: Uint8Array,
  root2: Uint8Array,
): E.Either<DaichoError, void> {
  if (!isTreeSize(size1) || !isTreeSize(size2))
    return fail("sizes must be safe non-negative integers");
  if (size1 > size2)
    return fail(`size ${size1} is larger than size ${size2}: a log never shrinks`, "size1");
  if (size1 === 0) return fail("a consistency proof from the empty tree proves nothing", "size1");
  const checked = checkHashes(proof);
  if (E.isLeft(checked)) return checked;
  if (!(root1 instanceof Uint8Array) || !(root2 instanceof Uint8Array))
    return fail("roots must be bytes");
  if (size1 === size2) {
    if (proof.length !== 0) return fail("between equal sizes the proof must be empty", "proof");
    return bytesEqual(root1, root2)
      ? E.right(undefined)
      : fail("equal sizes but different roots", "root2");
  }
  if (root1.length !== HASH_SIZE || root2.length !== HASH_SIZE)
    return fail("roots must be 32 bytes");
  if (proof.length === 0) return fail("a proof between different sizes cannot be empty", "proof");
  const path = isPowerOfTwo(size1) ? [root1, ...proof] : [...proof];
  let fn = size1 - 1;
  let sn = size2 - 1;
  while (lsb(fn) === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Uint8Array;
  let sr = fr;
  for (let i = 1; i < path.length; i++) {
    const c = path[i] as Uint8Array;
    if (sn === 0) return fail("the proof is longer than the trees are deep", "proof");
    if (lsb(fn) === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (lsb(fn) === 0) {
        while (lsb(fn) === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return fail("the proof is shorter than the trees are deep", "proof");
  if (!bytesEqual(fr, root1))
    return fail(`the proof does not lead to the root of size ${size1}`, "root1");
  if (!bytesEqual(sr, root2))
    return fail(`the proof does not lead to the root of size ${size2}`, "root2");
  return E.right(undefined);
}

/**
 * Plain form of {@link rootFromInclusionProof} (no fp-ts needed): returns the root the
 * proof leads to, or throws `PROOF_INVALID`.
 */
export const rootFromInclusionProofOrThrow = throwing(rootFromInclusionProof);

/**
 * Plain form of {@link verifyInclusion} (no fp-ts needed): returns when the leaf
 * is in the tree with that root, or throws `PROOF_INVALID`.
 */
export const verifyInclusionOrThrow = throwing(verifyInclusion);

/**
 * Plain form of {@link verifyConsistency} (no fp-ts needed): returns when the
 * larger tree extends the smaller, or throws `PROOF_INVALID`.
 */
export const verifyConsistencyOrThrow = throwing(verifyConsistency);
