import { randomBytes as nodeRandomBytes } from "node:crypto";
import { randomBytes } from "@noble/hashes/utils.js";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { unwrapDataKey, WRAPPED_BYTES, wrapDataKey } from "../crypto/key-wrap";
import { unwrappingRanges } from "./key-residue";

describe("unwrappingRanges (the residue scanner)", () => {
  it("finds every wrapped key planted in noise, at any offset, and nothing else", () => {
    const kek = { id: "kek-scan", key: randomBytes(32) };
    const binding = {
      keyId: "dk1-00112233445566778899aabbccddeeff",
      subject: "c-1",
      kekId: kek.id,
    };
    const bytes = new Uint8Array(nodeRandomBytes(200_000));
    for (let i = 0; i < bytes.length; i += 7) bytes[i] = 1; // many candidate offsets
    const planted = [0, 101, 4_099, 77_777, bytes.length - WRAPPED_BYTES];
    for (const at of planted) bytes.set(wrapDataKey(kek, binding, randomBytes(32)), at);
    const other = { ...binding, subject: "c-2" };
    bytes.set(wrapDataKey(kek, other, randomBytes(32)), 150_000);
    const hits = unwrappingRanges([{ name: "f", bytes }], kek, [binding]);
    expect(hits).toEqual(planted.map((at) => `f@${at}`));
    for (const at of planted) {
      const ok = unwrapDataKey(kek, binding, bytes.subarray(at, at + WRAPPED_BYTES));
      expect(E.isRight(ok)).toBe(true);
    }
    // Another KEK, or a record of another subject, is not reported; firstOnly stops early.
    expect(
      unwrappingRanges([{ name: "f", bytes }], { ...kek, key: randomBytes(32) }, [binding]),
    ).toEqual([]);
    expect(unwrappingRanges([{ name: "f", bytes }], kek, [other])).toEqual(["f@150000"]);
    expect(unwrappingRanges([{ name: "f", bytes }], kek, [binding], { firstOnly: true })).toEqual([
      "f@0",
    ]);
  });
});
