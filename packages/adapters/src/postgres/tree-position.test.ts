import { CompactRange, leafHash, type NodeId } from "@daicho/core/merkle";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { nodeCount, nodesInPostOrder, postOrder } from "./tree-position";

/** The nodes a tree built leaf by leaf reports, in the order it reports them. */
function emitted(size: number): NodeId[] {
  const range = new CompactRange();
  const ids: NodeId[] = [];
  for (let i = 0; i < size; i++)
    range.appendLeaf(leafHash(Uint8Array.of(i & 255)), (n) =>
      ids.push({ level: n.level, index: n.index }),
    );
  return ids;
}

describe("post-order node numbering", () => {
  it("numbers the nodes a growing tree completes 0, 1, 2, … in completion order", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 700 }), (size) => {
        const ids = emitted(size);
        expect(ids.map(postOrder)).toEqual(ids.map((_, i) => i));
        expect(nodeCount(size)).toBe(ids.length);
        expect([...nodesInPostOrder(size)]).toEqual(ids);
      }),
      { numRuns: 60 },
    );
  });

  it("lists a suffix of the order from any leaf", () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 300 }), fc.nat(300), (size, from) => {
        const start = Math.min(from, size);
        const suffix = [...nodesInPostOrder(size, start)];
        expect(suffix.map(postOrder)).toEqual(suffix.map((_, i) => nodeCount(start) + i));
      }),
      { numRuns: 60 },
    );
  });

  it("stays exact for sizes near 2^52", () => {
    const size = 2 ** 52;
    expect(nodeCount(size)).toBe(2 ** 53 - 1);
    expect(postOrder({ level: 52, index: 0 })).toBe(2 ** 53 - 2);
    expect(postOrder({ level: 0, index: size - 1 })).toBe(nodeCount(size - 1));
  });
});
