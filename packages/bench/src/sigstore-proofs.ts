import { leafHash, verifyInclusion } from "@daicho/core/merkle";
import { verifyMerkleInclusion } from "@sigstore/verify/dist/tlog/merkle.js";
import { interleavedCpuMs, type Report } from "./report";

/** One proof to check: the leaf's bytes (not its hash), its index, the audit path, the root. */
export interface ProofCase {
  readonly index: number;
  readonly leafData: Uint8Array;
  readonly proof: readonly Uint8Array[];
}

/**
 * Inclusion-proof verification against sigstore-js's `verifyMerkleInclusion` (the peer
 * named in issue 16 item 5) on identical proofs: both hash the leaf from its bytes, walk
 * the same audit path and compare with the same root; each side checks that every proof
 * verified, so neither can win by failing early. Measured in CPU time, interleaved.
 */
export function compareWithSigstore(
  report: Report,
  tag: string,
  size: number,
  root: Uint8Array,
  cases: readonly ProofCase[],
): void {
  const entries = cases.map((c) => ({
    canonicalizedBody: Buffer.from(c.leafData),
    inclusionProof: {
      logIndex: String(c.index),
      hashes: c.proof.map((h) => Buffer.from(h)),
      rootHash: Buffer.from(root),
      treeSize: String(size),
      checkpoint: { envelope: "" },
    },
  }));
  const checkpoint = { origin: "", logSize: BigInt(size), logHash: Buffer.from(root), rest: [] };
  const reps = 20;
  const ours = () => {
    let ok = 0;
    for (let r = 0; r < reps; r++)
      for (const c of cases)
        if (verifyInclusion(c.index, size, leafHash(c.leafData), c.proof, root)._tag === "Right")
          ok++;
    if (ok !== reps * cases.length) throw new Error("a benchmarked Daichō proof did not verify");
  };
  const theirs = () => {
    for (let r = 0; r < reps; r++)
      for (const e of entries) verifyMerkleInclusion(e as never, checkpoint as never); // throws if invalid
  };
  ours(); // warm up both
  theirs();
  const t = interleavedCpuMs(ours, theirs);
  const n = reps * cases.length;
  report.add({
    name: `sigstore-js verifyMerkleInclusion @${tag}`,
    value: (n / t.b) * 1000,
    unit: "proofs/s CPU",
    note: "node:crypto createHash per node, BigInt index arithmetic",
  });
  report.add({
    name: `daicho verifyInclusion @${tag}`,
    value: (n / t.a) * 1000,
    unit: "proofs/s CPU",
    vs: `sigstore-js verifyMerkleInclusion @${tag}`,
    note: "same proofs, leaf hashed from its bytes; CPU time, interleaved medians of 7",
  });
}
