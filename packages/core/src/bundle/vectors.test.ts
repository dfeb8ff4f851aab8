import { existsSync, readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { fromBase64 } from "../checkpoint/base64";
import { parseVerifierKey } from "../checkpoint/keys";
import { verifyCheckpoint } from "../checkpoint/policy";
import { eventLeafHash } from "../merkle/hash";
import { verifyRangeProof } from "../merkle/range-proof";
import { verifyConsistency, verifyInclusion } from "../merkle/verify";
import { buildAuditorVectors } from "./vectors";
import { verifyBundle } from "./verify";

const dir = fileURLToPath(new URL("../../../../docs/vectors/", import.meta.url));
const names = ["merkle-v1.json", "checkpoint-v1.json", "bundle-v1.json"] as const;
const committed = existsSync(`${dir}merkle-v1.json`);
const load = (name: string) => JSON.parse(readFileSync(`${dir}${name}`, "utf8"));
const hex = (s: string) => Uint8Array.from(Buffer.from(s, "hex"));

describe.runIf(committed)("committed auditor vectors (docs/vectors)", () => {
  it("are exactly what the code produces today", async () => {
    const built = JSON.parse(JSON.stringify(await buildAuditorVectors()));
    for (const name of names) expect(built[name], name).toEqual(load(name));
  });

  it("verify with the pure verifiers alone", () => {
    const m = load("merkle-v1.json");
    const rootOf = (size: number) => hex(m.roots[size - 1].root);
    for (const c of m.inclusion) {
      const leaf = eventLeafHash(m.eventHashes[c.index]);
      expect(
        E.isRight(verifyInclusion(c.index, c.size, leaf, c.proof.map(hex), rootOf(c.size))),
      ).toBe(true);
    }
    for (const c of m.consistency) {
      expect(
        E.isRight(
          verifyConsistency(c.size1, c.size2, c.proof.map(hex), rootOf(c.size1), rootOf(c.size2)),
        ),
      ).toBe(true);
    }
    for (const c of m.range) {
      const leaves = m.eventHashes.slice(c.from, c.to).map(eventLeafHash);
      const proof = { left: c.left.map(hex), right: c.right.map(hex) };
      expect(E.isRight(verifyRangeProof(c.from, leaves, c.size, proof, rootOf(c.size)))).toBe(true);
    }
    const cp = load("checkpoint-v1.json");
    const logKey = E.getOrElseW(() => {
      throw new Error("bad vector key");
    })(parseVerifierKey(cp.log.verifierKey));
    const witnessKey = E.getOrElseW(() => {
      throw new Error("bad vector key");
    })(parseVerifierKey(cp.witness.verifierKey));
    const single = verifyCheckpoint(cp.signedNote, { keys: [logKey] });
    expect(E.isRight(single) && single.right.checkpoint.root).toEqual(rootOf(16));
    expect(
      E.isRight(verifyCheckpoint(cp.cosignedNote, { keys: [logKey, witnessKey], threshold: 2 })),
    ).toBe(true);
    expect(
      E.isLeft(verifyCheckpoint(cp.signedNote, { keys: [logKey, witnessKey], threshold: 2 })),
    ).toBe(true);
    const b = load("bundle-v1.json");
    const report = verifyBundle(b.bundle, { policy: { keys: [logKey] }, held: b.heldCheckpoint });
    expect(E.isRight(report) && report.right).toEqual(b.report);
    expect(fromBase64(b.report.checkpoint.root)?.length).toBe(32);
  });
});
