import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { parseVerifierKey } from "../checkpoint/keys";
import { hexToBytes } from "../hash";
import { mapKey } from "../map/hash";
import { type MapProofEnd, verifyMapProof } from "../map/proof";
import { eventLeafHash } from "../merkle/hash";
import { verifyMultiProof } from "../merkle/multiproof";
import { buildExtractVectors } from "./vectors";
import { verifyExtract } from "./verify";

const dir = fileURLToPath(new URL("../../../../docs/vectors/", import.meta.url));
const committed = existsSync(`${dir}map-v1.json`);
const load = (name: string) => JSON.parse(readFileSync(`${dir}${name}`, "utf8"));

// biome-ignore lint/suspicious/noExplicitAny: vector files are read loosely
const endOf = (end: any): MapProofEnd =>
  end === "empty"
    ? { kind: "empty" }
    : "state" in end
      ? { kind: "member", state: end.state }
      : { kind: "other", key: hexToBytes(end.key), valueHash: hexToBytes(end.valueHash) };

describe.runIf(committed)("committed map and extract vectors (docs/vectors)", () => {
  it("are exactly what the code produces today", async () => {
    const built = JSON.parse(JSON.stringify(await buildExtractVectors()));
    expect(built["map-v1.json"]).toEqual(load("map-v1.json"));
    expect(built["extract-v1.json"]).toEqual(load("extract-v1.json"));
  });

  it("map proofs and multi-proofs verify (and the invalid ones fail) with the pure verifiers", () => {
    const m = load("map-v1.json");
    const root = hexToBytes(m.root);
    for (const p of m.proofs) {
      const proof = { siblings: p.proof.siblings.map(hexToBytes), end: endOf(p.proof.end) };
      expect(E.isRight(verifyMapProof(root, mapKey(p.id), proof)), p.id).toBe(true);
    }
    for (const p of m.invalid) {
      const proof = { siblings: p.proof.siblings.map(hexToBytes), end: endOf(p.proof.end) };
      const r = verifyMapProof(root, mapKey(p.id), proof);
      expect(E.isLeft(r) && r.left.code, p.name).toBe("PROOF_INVALID");
    }
    const merkle = load("merkle-v1.json");
    for (const p of m.multiProofs.proofs) {
      const leaves = p.indices.map((i: number) => eventLeafHash(merkle.eventHashes[i]));
      const rootAt = p.size === 0 ? new Uint8Array(32) : hexToBytes(merkle.roots[p.size - 1].root);
      const proof = p.proof.map(hexToBytes);
      expect(E.isRight(verifyMultiProof(p.indices, leaves, p.size, proof, rootAt))).toBe(true);
      if (proof.length > 0)
        expect(E.isLeft(verifyMultiProof(p.indices, leaves, p.size, proof.slice(1), rootAt))).toBe(
          true,
        );
    }
  });

  it("extract files verify to their reports, and the invalid ones fail with their code", () => {
    const x = load("extract-v1.json");
    const key = parseVerifierKey(x.verifierKey);
    if (E.isLeft(key)) throw key.left;
    const policy = { keys: [key.right] };
    for (const v of x.valid) {
      const r = verifyExtract(v.extract, { policy, ...(v.held ? { held: v.held } : {}) });
      expect(E.isRight(r) && JSON.parse(JSON.stringify(r.right)), v.name).toEqual(v.report);
    }
    for (const v of x.invalid) {
      const r = verifyExtract(v.extract, {
        policy,
        ...(v.held ? { held: v.held } : {}),
        ...(v.expectSubjects ? { expectSubjects: v.expectSubjects } : {}),
      });
      expect(E.isLeft(r) && r.left.code, v.name).toBe(v.code);
    }
  });
});
