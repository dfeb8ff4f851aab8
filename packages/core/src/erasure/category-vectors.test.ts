import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { openValue } from "../crypto/field-seal";
import { hexToBytes } from "../hash";
import { keyIdCategory } from "../keys/categories";
import { verifyErasureCertificate } from "./category-certificate";
import { buildCategoryVectors } from "./category-vectors";

const committed = JSON.parse(
  readFileSync(
    new URL("../../../../docs/vectors/category-erasure-v1.json", import.meta.url),
    "utf8",
  ),
);

describe("category erasure vectors (docs/vectors/category-erasure-v1.json)", () => {
  it("are what the code produces", async () => {
    expect(JSON.parse(JSON.stringify(await buildCategoryVectors()))).toEqual(committed);
  });

  it("verify from the committed bytes alone: key ids, the sealed value, the certificate and every refusal", () => {
    const publicKey = hexToBytes(committed.keys.publicKey);
    for (const k of committed.keyIds) expect(keyIdCategory(k.keyId) ?? null).toBe(k.category);
    const s = committed.sealed;
    const opened = openValue(hexToBytes(committed.keys.dataKey), s.binding, s);
    expect(opened).toEqual(E.right("golf"));
    const ok = verifyErasureCertificate(committed.certificate, publicKey);
    expect(E.isRight(ok) && ok.right.kind).toBe("category");
    for (const n of committed.negatives) {
      const r = verifyErasureCertificate(n.certificate, publicKey);
      expect(E.isLeft(r) && r.left.code, n.name).toBe(n.code);
    }
  });
});
