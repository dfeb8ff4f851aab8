import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { bytesEqual } from "../merkle/hash";
import { throwing } from "../plain";
import {
  isEmptyHash,
  KEY_BITS,
  keyBit,
  type MapState,
  mapLeaf,
  mapNode,
  mapValueHash,
  samePrefix,
} from "./hash";

/** Where a map proof's path ends (spec §12.4). */
export type MapProofEnd =
  /** Membership: the key's own leaf, with the subject's state. */
  | { readonly kind: "member"; readonly state: MapState }
  /** Non-membership: the subtree on the key's path is empty. */
  | { readonly kind: "empty" }
  /** Non-membership: the subtree holds exactly one leaf, of another key. */
  | { readonly kind: "other"; readonly key: Uint8Array; readonly valueHash: Uint8Array };

/** The siblings beside a key's path, top-down, and the node the path ends at. */
export interface MapProof {
  readonly siblings: readonly Uint8Array[];
  readonly end: MapProofEnd;
}

const fail = (reason: string, path = "mapProof"): E.Either<DaichoError, never> =>
  E.left(new DaichoError("PROOF_INVALID", reason, { path }));

/**
 * Check a map proof for `key` against the map root `root` (spec §12.4) and return the
 * subject's state (membership) or undefined (non-membership). Every part is hostile:
 * at most 256 siblings of 32 bytes each, another key must differ from `key` and share
 * its path, and a leaf or an empty subtree is never one level below an empty sibling.
 * Left(PROOF_INVALID) naming the check that failed; never throws.
 */
export function verifyMapProof(
  root: Uint8Array,
  key: Uint8Array,
  proof: MapProof,
): E.Either<DaichoError, MapState | undefined> {
  const { siblings, end } = proof;
  // Bound the work before hashing anything: a path is at most one sibling per key bit.
  if (!Array.isArray(siblings) || siblings.length > KEY_BITS)
    return fail(`a map proof has at most ${KEY_BITS} siblings`);
  if (!(root instanceof Uint8Array) || root.length !== 32)
    return fail("the map root must be 32 bytes");
  if (!(key instanceof Uint8Array) || key.length !== 32) return fail("a map key is 32 bytes");
  for (let i = 0; i < siblings.length; i++) {
    const s = siblings[i];
    if (!(s instanceof Uint8Array) || s.length !== 32)
      return fail("every sibling must be 32 bytes", `mapProof[${i}]`);
  }
  const d = siblings.length;
  let h: Uint8Array;
  if (end.kind === "member") {
    try {
      h = mapLeaf(key, mapValueHash(end.state));
    } catch {
      return fail("the entry's count, lastSeq or lastHash is malformed", "entry");
    }
  } else if (end.kind === "empty") h = new Uint8Array(32);
  else {
    if (!(end.key instanceof Uint8Array) || end.key.length !== 32)
      return fail("the other key must be 32 bytes", "end.key");
    if (!(end.valueHash instanceof Uint8Array) || end.valueHash.length !== 32)
      return fail("the other value hash must be 32 bytes", "end.valueHash");
    if (bytesEqual(end.key, key))
      return fail("a non-membership proof ends at the key's own leaf", "end.key");
    if (!samePrefix(end.key, key, d))
      return fail("the other key is not on this key's path", "end.key");
    h = mapLeaf(end.key, end.valueHash);
  }
  // A lone leaf or an empty subtree is never pushed below an empty sibling (spec §12.2).
  if (d > 0 && isEmptyHash(siblings[d - 1] as Uint8Array))
    return fail(
      "the proof's last sibling is empty: not a canonical map path",
      `mapProof[${d - 1}]`,
    );
  for (let i = d - 1; i >= 0; i--) {
    const s = siblings[i] as Uint8Array;
    h = keyBit(key, i) === 0 ? mapNode(h, s) : mapNode(s, h);
  }
  if (!bytesEqual(h, root)) return fail("the map proof does not lead to the checkpoint's map root");
  return E.right(end.kind === "member" ? end.state : undefined);
}

/** Plain form of {@link verifyMapProof} (no fp-ts needed): the result, or throws its `DaichoError`. */
export const verifyMapProofOrThrow = throwing(verifyMapProof);
