/**
 * @daicho/core/merkle — RFC 6962 / RFC 9162 Merkle tree over a ledger's events:
 * hashing, proof generation from stored nodes, pure proof verification, tree stores.
 *
 * @module @daicho/core/merkle
 */
export { isTreeSize, MAX_TREE_SIZE } from "./bits";
export {
  bytesEqual,
  EMPTY_ROOT,
  eventLeafData,
  eventLeafHash,
  HASH_SIZE,
  leafHash,
  nodeHash,
} from "./hash";
export { type AttachedTree, catchUp, type GrowListener, LedgerTree, withTree } from "./ledger-tree";
export { memoryTreeStore } from "./memory-tree-store";
export {
  multiProof,
  multiProofPlan,
  verifyMultiProof,
  verifyMultiProofOrThrow,
} from "./multiproof";
export {
  consistencyPlan,
  consistencyProof,
  hashRanges,
  inclusionPlan,
  inclusionProof,
  type NodeReader,
  rangeProof,
  rootAt,
} from "./proofs";
export {
  CompactRange,
  decompose,
  foldRight,
  type LeafRange,
  type Node,
  type NodeId,
} from "./range";
export {
  type RangeProof,
  rootFromRangeProof,
  rootFromRangeProofOrThrow,
  verifyRangeProof,
  verifyRangeProofOrThrow,
} from "./range-proof";
export { readOnlyTree } from "./read-only-tree";
export {
  nodeEnd,
  nodePosition,
  nodesInTree,
  type StoredCheckpoint,
  type TreeStore,
} from "./tree-store";
export {
  MAX_PROOF_HASHES,
  rootFromInclusionProof,
  rootFromInclusionProofOrThrow,
  verifyConsistency,
  verifyConsistencyOrThrow,
  verifyInclusion,
  verifyInclusionOrThrow,
} from "./verify";
