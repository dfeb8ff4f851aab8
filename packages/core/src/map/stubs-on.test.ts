import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { keyBit, type MapState, mapKey } from "./hash";
import { hashOf, SubjectMap, type Tree } from "./subject-map";

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const state = (n: number): MapState => ({ count: n + 1, lastSeq: n, lastHash: "ab".repeat(32) });

/**
 * The stubs on each key's path, found one key at a time from the root (the definition
 * `stubsOn` answers for many keys at once): per stub, its depth, hash and sorted keys.
 */
function reference(root: Tree, keys: readonly Uint8Array[]): string[] {
  const found = new Map<Tree, { depth: number; keys: string[] }>();
  for (const key of keys) {
    let node = root;
    for (let depth = 0; node !== undefined && node.kind !== "leaf"; depth++) {
      if (node.kind === "stub") {
        const at = found.get(node) ?? { depth, keys: [] };
        at.keys.push(hex(key));
        found.set(node, at);
        break;
      }
      node = keyBit(key, depth) === 0 ? node.left : node.right;
    }
  }
  return [...found].map(([n, f]) => `${f.depth} ${hex(hashOf(n))} ${[...f.keys].sort().join(",")}`);
}

describe("SubjectMap.stubsOn", () => {
  it("finds, for any keys, exactly the stubs on their paths, each with the keys through it (property)", () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ maxLength: 6 }), { minLength: 1, maxLength: 120 }),
        fc.array(fc.string({ maxLength: 6 }), { maxLength: 60 }),
        fc.integer({ min: 0, max: 9 }),
        (subjects, asked, depth) => {
          const map = new SubjectMap();
          for (const [i, s] of subjects.entries()) map.set(mapKey(s), state(i));
          map.changes();
          const root = map.root();
          map.prune(depth);
          expect(hex(map.root())).toBe(hex(root));
          const keys = asked.map(mapKey);
          const tree = (map as unknown as { tree: Tree }).tree;
          const got = map
            .stubsOn(keys)
            .map((s) => `${s.depth} ${hex(s.expected)} ${s.keys.map(hex).sort().join(",")}`);
          expect(got.sort()).toEqual(reference(tree, keys).sort());
          // Each stub's `attach` puts a subtree in that stub's place: the full map's one.
          const full = new SubjectMap();
          for (const [i, s] of subjects.entries()) full.set(mapKey(s), state(i));
          for (const stub of map.stubsOn(keys)) {
            let node = (full as unknown as { tree: Tree }).tree;
            for (let d = 0; d < stub.depth && node?.kind === "node"; d++)
              node = keyBit(stub.keys[0] as Uint8Array, d) === 0 ? node.left : node.right;
            stub.attach(node);
          }
          expect(map.stubsOn(keys)).toEqual([]);
          for (const [i, s] of subjects.entries())
            if (asked.includes(s)) expect(map.get(mapKey(s))).toEqual(state(i));
          expect(hex(map.root())).toBe(hex(root));
        },
      ),
      { numRuns: 300 },
    );
  });
});
