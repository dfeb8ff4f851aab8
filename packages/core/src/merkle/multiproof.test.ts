import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { leafHash } from "./hash";
import { memoryTreeStore } from "./memory-tree-store";
import { multiProof, verifyMultiProof } from "./multiproof";
import { inclusionProof } from "./proofs";
import { CompactRange, type Node } from "./range";

const leafOf = (i: number) => leafHash(Uint8Array.of(i & 255, i >> 8, 7));

async function treeOf(size: number) {
  const store = memoryTreeStore();
  const range = new CompactRange();
  const nodes: Node[] = [];
  for (let i = 0; i < size; i++) range.appendLeaf(leafOf(i), (n) => nodes.push(n));
  await store.append(nodes, 0, size);
  return { store, root: range.root() };
}

const caseArb = fc
  .integer({ min: 1, max: 70 })
  .chain((size) =>
    fc.tuple(
      fc.constant(size),
      fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: 12 }),
    ),
  )
  .map(([size, xs]) => ({ size, indices: [...xs].sort((a, b) => a - b) }));

describe("inclusion multi-proofs (spec §12.5)", () => {
  it("verify for every set of leaves of every tree, and hold the audit path's hashes for one leaf", async () => {
    await fc.assert(
      fc.asyncProperty(caseArb, async ({ size, indices }) => {
        const { store, root } = await treeOf(size);
        const proof = await multiProof(store, indices, size);
        const leaves = indices.map(leafOf);
        expect(E.isRight(verifyMultiProof(indices, leaves, size, proof, root))).toBe(true);
        expect(proof.length).toBeLessThanOrEqual(
          Math.max(1, indices.length) * Math.ceil(Math.log2(size) + 1),
        );
        if (indices.length === 1) {
          const path = await inclusionProof(store, indices[0] as number, size);
          const hex = (xs: Uint8Array[]) => xs.map((x) => Buffer.from(x).toString("hex")).sort();
          expect(hex(proof)).toEqual(hex(path));
        }
      }),
    );
  });

  it("fails for a changed leaf, a shifted index, a dropped, added or altered hash, another size or root", async () => {
    await fc.assert(
      fc.asyncProperty(
        caseArb.filter((c) => c.indices.length > 0 && c.size > 1),
        fc.nat(),
        async ({ size, indices }, pick) => {
          const { store, root } = await treeOf(size);
          const proof = await multiProof(store, indices, size);
          const leaves = indices.map(leafOf);
          const bad = (
            i: readonly number[],
            l: readonly Uint8Array[],
            n: number,
            p: readonly Uint8Array[],
            r = root,
          ) => expect(E.isLeft(verifyMultiProof(i, l, n, p, r))).toBe(true);
          const k = pick % indices.length;
          const changed = leaves.map((x, j) => (j === k ? leafOf(9999) : x));
          bad(indices, changed, size, proof);
          const shifted = indices.map((x, j) => (j === k ? x + 1 : x));
          if (
            new Set(shifted).size === shifted.length &&
            (shifted[k] as number) < size &&
            shifted.every((x, j) => j === 0 || x > (shifted[j - 1] as number))
          )
            bad(shifted, leaves, size, proof);
          if (proof.length > 0) {
            bad(indices, leaves, size, proof.slice(1));
            const altered = proof.map((x) => Uint8Array.from(x));
            const a = altered[pick % altered.length] as Uint8Array;
            a[0] = (a[0] as number) ^ 1;
            bad(indices, leaves, size, altered);
          }
          bad(indices, leaves, size, [...proof, new Uint8Array(32)]);
          const otherRoot = Uint8Array.from(root);
          otherRoot[31] = (otherRoot[31] as number) ^ 1;
          bad(indices, leaves, size, proof, otherRoot);
          const bigger = await treeOf(size + 1);
          bad(indices, leaves, size + 1, proof, bigger.root);
        },
      ),
    );
  });

  it("refuses hostile input without hashing: unsorted or repeated indices, wrong lengths, a huge proof", () => {
    const root = new Uint8Array(32);
    const l = leafOf(1);
    expect(E.isLeft(verifyMultiProof([2, 1], [l, l], 8, [], root))).toBe(true);
    expect(E.isLeft(verifyMultiProof([1, 1], [l, l], 8, [], root))).toBe(true);
    expect(E.isLeft(verifyMultiProof([1], [l, l], 8, [], root))).toBe(true);
    expect(E.isLeft(verifyMultiProof([8], [l], 8, [], root))).toBe(true);
    expect(E.isLeft(verifyMultiProof([1], [new Uint8Array(31)], 8, [], root))).toBe(true);
    const huge = Array.from({ length: 100_000 }, () => new Uint8Array(32));
    expect(E.isLeft(verifyMultiProof([1], [l], 8, huge, root))).toBe(true);
    expect(E.isLeft(verifyMultiProof([], [], 8, [new Uint8Array(32)], root))).toBe(true);
    expect(E.isRight(verifyMultiProof([], [], 8, [], root))).toBe(true);
  });
});
