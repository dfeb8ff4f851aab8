import { sha256 as nobleSha256 } from "@noble/hashes/sha2.js";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { SHA256_BACKEND } from "../sha256";
import { mapKey, mapLeaf, mapNode, mapValueHash } from "./hash";

/** The tagged hash of spec §12.2 computed with pure-JS noble only. */
const nobleTagged = (tag: string, ...parts: Uint8Array[]) => {
  const label = new TextEncoder().encode(tag);
  const all = [label, Uint8Array.of(0), ...parts];
  const buf = new Uint8Array(all.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of all) {
    buf.set(p, at);
    at += p.length;
  }
  return nobleSha256(buf);
};
const u64 = (n: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setBigUint64(0, BigInt(n));
  return b;
};
const hash32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

describe("map hashing on the runtime's SHA-256 (spec §12.2)", () => {
  it("runs on Node's native SHA-256 here", () => {
    expect(SHA256_BACKEND).toBe("node:crypto");
  });

  it("gives the bytes pure-JS noble gives, for keys, values, leaves and nodes", () => {
    fc.assert(
      fc.property(
        fc.string({ unit: "binary", maxLength: 80 }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        fc.integer({ min: 0, max: Number.MAX_SAFE_INTEGER }),
        hash32,
        hash32,
        (subject, count, lastSeq, a, b) => {
          expect(mapKey(subject)).toEqual(
            nobleTagged("daicho/map-key/v1", new TextEncoder().encode(subject)),
          );
          const lastHash = Buffer.from(a).toString("hex");
          expect(mapValueHash({ count, lastSeq, lastHash })).toEqual(
            nobleTagged("daicho/map-value/v1", u64(count), u64(lastSeq), a),
          );
          expect(mapLeaf(a, b)).toEqual(nobleTagged("daicho/map-leaf/v1", a, b));
          expect(mapNode(a, b)).toEqual(nobleTagged("daicho/map-node/v1", a, b));
        },
      ),
      { numRuns: 60 },
    );
  });

  it("keeps every result when later calls reuse the input buffers, and hashes parts of other lengths as given", () => {
    fc.assert(
      fc.property(hash32, hash32, fc.uint8Array({ maxLength: 70 }), (a, b, odd) => {
        const first = mapNode(a, b);
        const leaf = mapLeaf(a, b);
        const copy = Uint8Array.from(first);
        mapNode(b, a);
        mapLeaf(b, a);
        mapValueHash({ count: 1, lastSeq: 2, lastHash: Buffer.from(b).toString("hex") });
        expect(first).toEqual(copy);
        expect(leaf).toEqual(nobleTagged("daicho/map-leaf/v1", a, b));
        expect(mapNode(odd, a)).toEqual(nobleTagged("daicho/map-node/v1", odd, a));
        expect(mapLeaf(a, odd)).toEqual(nobleTagged("daicho/map-leaf/v1", a, odd));
      }),
      { numRuns: 100 },
    );
  });
});
