import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { verifyConsistency, verifyInclusion } from "./verify";

// The transparency-dev/merkle conformance suite, vendored under packages/core/test/vendor
// (Apache-2.0 data; see SOURCE.md there). It always runs: a missing folder fails the suite.
const testdata = fileURLToPath(
  new URL("../../test/vendor/transparency-dev-merkle/testdata", import.meta.url),
);

function jsonFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    return statSync(full).isDirectory() ? jsonFiles(full) : name.endsWith(".json") ? [full] : [];
  });
}

const b64 = (s: string | null | undefined) => new Uint8Array(Buffer.from(s ?? "", "base64"));
const proofOf = (p: string[] | null) => (p ?? []).map(b64);

interface InclusionCase {
  leafIdx: number;
  treeSize: number;
  root: string;
  leafHash: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}
interface ConsistencyCase {
  size1: number;
  size2: number;
  root1: string;
  root2: string;
  proof: string[] | null;
  desc: string;
  wantErr: boolean;
}

const inclusion = jsonFiles(path.join(testdata, "inclusion"));
const consistency = jsonFiles(path.join(testdata, "consistency"));

describe("transparency-dev/merkle conformance vectors", () => {
  it("finds every vendored inclusion and consistency case, must-fail ones included", () => {
    expect(inclusion.length).toBe(98);
    expect(consistency.length).toBe(98);
  });

  it.each(inclusion.map((f) => [path.relative(testdata, f), f]))(
    "inclusion %s behaves as labelled",
    (_name, file) => {
      const c = JSON.parse(readFileSync(file, "utf8")) as InclusionCase;
      const result = verifyInclusion(
        c.leafIdx,
        c.treeSize,
        b64(c.leafHash),
        proofOf(c.proof),
        b64(c.root),
      );
      if (E.isLeft(result)) expect(result.left.code).toBe("PROOF_INVALID");
      expect(E.isRight(result)).toBe(!c.wantErr);
    },
  );

  it.each(consistency.map((f) => [path.relative(testdata, f), f]))(
    "consistency %s behaves as labelled",
    (_name, file) => {
      const c = JSON.parse(readFileSync(file, "utf8")) as ConsistencyCase;
      const result = verifyConsistency(
        c.size1,
        c.size2,
        proofOf(c.proof),
        b64(c.root1),
        b64(c.root2),
      );
      if (E.isLeft(result)) expect(result.left.code).toBe("PROOF_INVALID");
      expect(E.isRight(result)).toBe(!c.wantErr);
    },
  );
});
