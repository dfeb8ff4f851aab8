import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { splitPoint, trailingZeros } from "./bits";
import { BruteTree } from "./brute-tree";
import { bytesEqual, EMPTY_ROOT, leafHash } from "./hash";
import { memoryTreeStore } from "./memory-tree-store";
import {
  consistencyPlan,
  consistencyProof,
  inclusionPlan,
  inclusionProof,
  rangeProof,
  rootAt,
} from "./proofs";
import { CompactRange, decompose, type Node } from "./range";
import { verifyRangeProof } from "./range-proof";
import { nodePosition, type TreeStore } from "./tree-store";
import { verifyConsistency, verifyInclusion } from "./verify";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const fromHex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));
const leafData = (i: number) => new TextEncoder().encode(`leaf-${i}`);

async function storedTree(leaves: readonly Uint8Array[]): Promise<TreeStore> {
  const store = memoryTreeStore();
  const range = new CompactRange();
  const nodes: Node[] = [];
  const brute = new BruteTree(leaves);
  for (let i = 0; i < leaves.length; i++)
    range.appendLeaf(brute.mth(i, i + 1), (n) => nodes.push(n));
  await store.append(nodes, 0, leaves.length);
  return store;
}

// RFC 6962 reference leaves and roots, as published with transparency-dev/merkle's tests.
const RFC_LEAVES = [
  "",
  "00",
  "10",
  "2021",
  "3031",
  "40414243",
  "5051525354555657",
  "606162636465666768696a6b6c6d6e6f",
].map(fromHex);
const RFC_ROOTS = [
  "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
  "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
  "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
  "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
  "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
  "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
  "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
  "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
];

describe("Merkle tree hashing", () => {
  it("computes the published RFC 6962 roots for trees of 1 to 8 leaves", async () => {
    const store = await storedTree(RFC_LEAVES);
    for (let n = 1; n <= 8; n++) {
      expect(hex(new BruteTree(RFC_LEAVES.slice(0, n)).mth())).toBe(RFC_ROOTS[n - 1]);
      expect(hex(await rootAt(store, n))).toBe(RFC_ROOTS[n - 1]);
    }
  });

  it("gives the empty tree the root SHA-256 of nothing", async () => {
    expect(hex(EMPTY_ROOT)).toBe(
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    );
    expect(hex(await rootAt(memoryTreeStore(), 0))).toBe(hex(EMPTY_ROOT));
  });

  it("agrees with the brute-force tree on every root, audit path and consistency proof up to 48 leaves", async () => {
    const leaves = Array.from({ length: 48 }, (_, i) => leafData(i));
    const store = await storedTree(leaves);
    for (let n = 1; n <= leaves.length; n++) {
      const brute = new BruteTree(leaves.slice(0, n));
      const root = brute.mth();
      expect(hex(await rootAt(store, n))).toBe(hex(root));
      for (let m = 0; m < n; m++) {
        const proof = await inclusionProof(store, m, n);
        expect(proof.map(hex)).toEqual(brute.path(m).map(hex));
        expect(E.isRight(verifyInclusion(m, n, brute.mth(m, m + 1), proof, root))).toBe(true);
      }
      for (let m = 1; m <= n; m++) {
        const proof = await consistencyProof(store, m, n);
        expect(proof.map(hex)).toEqual(brute.proof(m, n).map(hex));
        const old = new BruteTree(leaves.slice(0, m)).mth();
        expect(E.isRight(verifyConsistency(m, n, proof, old, root))).toBe(true);
      }
    }
  });

  it("stores about two nodes per leaf, each under a unique position", () => {
    const range = new CompactRange();
    const positions = new Set<number>();
    for (let i = 0; i < 1000; i++)
      range.appendLeaf(leafHash(leafData(i)), (n) => positions.add(nodePosition(n)));
    // 2n − popcount(n) perfect subtrees: 1000 leaves, 500 pairs, … down to the one node of 512.
    expect(positions.size).toBe(2 * 1000 - 6);
  });

  it("decomposes any range into aligned perfect subtrees that cover it exactly", () => {
    fc.assert(
      fc.property(fc.nat(5000), fc.nat(5000), (a, b) => {
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        let at = lo;
        for (const id of decompose(lo, hi)) {
          expect(id.index * 2 ** id.level).toBe(at);
          at += 2 ** id.level;
        }
        expect(at).toBe(hi);
      }),
    );
  });

  it("plans proofs for sizes near 2^52 with exact arithmetic", () => {
    const size = 2 ** 52 - 3;
    expect(splitPoint(size)).toBe(2 ** 51);
    expect(trailingZeros(2 ** 50)).toBe(50);
    expect(inclusionPlan(size - 1, size).length).toBeLessThanOrEqual(52);
    expect(inclusionPlan(0, 2 ** 52).length).toBe(52);
    expect(consistencyPlan(2 ** 40 + 1, size).length).toBeLessThanOrEqual(2 * 52);
  });
});

const flipBit = (bytes: Uint8Array, bit: number) => {
  const out = Uint8Array.from(bytes);
  out[Math.floor(bit / 8) % out.length] =
    (out[Math.floor(bit / 8) % out.length] as number) ^ (1 << (bit % 8));
  return out;
};

describe("Merkle proofs (property)", () => {
  const leaves = Array.from({ length: 600 }, (_, i) => leafData(i));
  const treeP = storedTree(leaves);
  const brute = new BruteTree(leaves);
  const roots = new Map<number, Uint8Array>();
  const rootOf = async (n: number) => {
    let r = roots.get(n);
    if (r === undefined) {
      r = await rootAt(await treeP, n);
      roots.set(n, r);
    }
    return r;
  };
  const sizeAndIndex = fc
    .integer({ min: 1, max: 600 })
    .chain((n) => fc.tuple(fc.constant(n), fc.nat(n - 1)));

  it("every inclusion proof verifies, and flipping any bit of proof, root or leaf, or changing the size, fails", async () => {
    const store = await treeP;
    await fc.assert(
      fc.asyncProperty(
        sizeAndIndex,
        fc.nat(),
        fc.integer({ min: -3, max: 3 }),
        async ([n, m], bit, delta) => {
          const proof = await inclusionProof(store, m, n);
          const root = await rootOf(n);
          const leaf = brute.mth(m, m + 1);
          expect(E.isRight(verifyInclusion(m, n, leaf, proof, root))).toBe(true);
          expect(E.isLeft(verifyInclusion(m, n, flipBit(leaf, bit), proof, root))).toBe(true);
          expect(E.isLeft(verifyInclusion(m, n, leaf, proof, flipBit(root, bit)))).toBe(true);
          if (proof.length > 0) {
            const i = bit % proof.length;
            const bad = proof.map((p, j) =>
              j === i ? flipBit(p, Math.floor(bit / proof.length)) : p,
            );
            expect(E.isLeft(verifyInclusion(m, n, leaf, bad, root))).toBe(true);
          }
          // RFC 9162 binds the size only through the proof's length: a size whose audit path
          // has the same length and sides computes the same root, so the size must come from
          // the same signed checkpoint as the root (see the checkpoint tests).
          const other = n + delta;
          if (delta !== 0 && (other <= m || inclusionPlan(m, other).length !== proof.length)) {
            expect(E.isLeft(verifyInclusion(m, other, leaf, proof, root))).toBe(true);
          }
          expect(E.isLeft(verifyInclusion(m, n, leaf, [...proof, root], root))).toBe(true);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every consistency proof verifies, and flipping any bit of proof or either root, or changing a size, fails", async () => {
    const store = await treeP;
    const sizes = fc
      .tuple(fc.integer({ min: 1, max: 600 }), fc.integer({ min: 1, max: 600 }))
      .map(([a, b]): [number, number] => (a <= b ? [a, b] : [b, a]));
    await fc.assert(
      fc.asyncProperty(
        sizes,
        fc.nat(),
        fc.integer({ min: -2, max: 2 }),
        async ([m, n], bit, delta) => {
          const proof = await consistencyProof(store, m, n);
          const [r1, r2] = [await rootOf(m), await rootOf(n)];
          expect(E.isRight(verifyConsistency(m, n, proof, r1, r2))).toBe(true);
          expect(E.isLeft(verifyConsistency(m, n, proof, flipBit(r1, bit), r2))).toBe(true);
          expect(E.isLeft(verifyConsistency(m, n, proof, r1, flipBit(r2, bit)))).toBe(true);
          if (proof.length > 0) {
            const i = bit % proof.length;
            const bad = proof.map((p, j) =>
              j === i ? flipBit(p, Math.floor(bit / proof.length)) : p,
            );
            expect(E.isLeft(verifyConsistency(m, n, bad, r1, r2))).toBe(true);
          }
          // As for inclusion, a size is bound only through the proof's length and the root.
          const plannedLength = (a: number, b: number) =>
            a < 1 || a > b ? -1 : a === b ? 0 : consistencyPlan(a, b).length;
          if (delta !== 0 && m !== n) {
            if (plannedLength(m + delta, n) !== proof.length) {
              expect(E.isLeft(verifyConsistency(m + delta, n, proof, r1, r2))).toBe(true);
            }
            if (plannedLength(m, n + delta) !== proof.length) {
              expect(E.isLeft(verifyConsistency(m, n + delta, proof, r1, r2))).toBe(true);
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it("every range proof verifies, and flipping a bit of a leaf or a proof hash, or shifting the range, fails", async () => {
    const store = await treeP;
    const ranges = fc
      .tuple(fc.nat(599), fc.nat(599), fc.nat(599))
      .map((xs) => [...xs].sort((a, b) => a - b))
      .map(([a, b, c]) => [a as number, (b as number) + 1, (c as number) + 1] as const)
      .filter(([a, b]) => a < b);
    await fc.assert(
      fc.asyncProperty(ranges, fc.nat(), async ([from, to, n], bit) => {
        const proof = await rangeProof(store, from, to, n);
        const leafHashes = Array.from({ length: to - from }, (_, i) =>
          brute.mth(from + i, from + i + 1),
        );
        const root = await rootOf(n);
        expect(E.isRight(verifyRangeProof(from, leafHashes, n, proof, root))).toBe(true);
        const li = bit % leafHashes.length;
        const badLeaves = leafHashes.map((h, i) => (i === li ? flipBit(h, bit) : h));
        expect(E.isLeft(verifyRangeProof(from, badLeaves, n, proof, root))).toBe(true);
        const all = [...proof.left, ...proof.right];
        if (all.length > 0) {
          const pi = bit % all.length;
          const flipped = all.map((h, i) =>
            i === pi ? flipBit(h, Math.floor(bit / all.length)) : h,
          );
          const bad = {
            left: flipped.slice(0, proof.left.length),
            right: flipped.slice(proof.left.length),
          };
          expect(E.isLeft(verifyRangeProof(from, leafHashes, n, bad, root))).toBe(true);
        }
        if (from > 0)
          expect(E.isLeft(verifyRangeProof(from - 1, leafHashes, n, proof, root))).toBe(true);
        expect(E.isLeft(verifyRangeProof(from, leafHashes, n, proof, flipBit(root, bit)))).toBe(
          true,
        );
      }),
      { numRuns: 200 },
    );
  });

  it("rejects proofs with hashes of the wrong length, and absurdly long proofs, without hashing them", async () => {
    const store = await treeP;
    const proof = await inclusionProof(store, 3, 100);
    const root = await rootOf(100);
    const leaf = brute.mth(3, 4);
    const short = proof.map((p, i) => (i === 0 ? p.slice(0, 31) : p));
    const r = verifyInclusion(3, 100, leaf, short, root);
    expect(E.isLeft(r) && r.left.path).toBe("proof[0]");
    expect(E.isLeft(verifyInclusion(3, 100, leaf, Array(10_000).fill(root), root))).toBe(true);
    expect(E.isLeft(verifyInclusion(3, 100, leaf.slice(1), proof, root))).toBe(true);
    expect(E.isLeft(verifyInclusion(3, Number.NaN, leaf, proof, root))).toBe(true);
    expect(E.isLeft(verifyInclusion(-1, 100, leaf, proof, root))).toBe(true);
    expect(bytesEqual(leaf, brute.mth(3, 4))).toBe(true);
  });
});
