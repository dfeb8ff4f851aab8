import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { bytesToHex, hexToBytes } from "../hash";
import { framed, fromBase64Url, toBase64Url } from "./encoding";
import {
  type FieldBinding,
  fieldAssociatedData,
  openValue,
  PAD_BLOCK,
  padValue,
  sealValue,
  unpadValue,
} from "./field-seal";
import { kekCheckValue, kekMatches, unwrapDataKey, wrapDataKey } from "./key-wrap";

const vectors = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/personal-v1.json", import.meta.url), "utf8"),
);
const key = hexToBytes(vectors.dataKeyHex);
const nonce = hexToBytes(vectors.nonceHex);

const binding: FieldBinding = {
  ledgerId: "test/ledger",
  eventId: "evt-1",
  subject: "contact-1",
  field: "email",
  keyId: "dk1-0",
};

describe("personal field sealing vectors (docs/vectors/personal-v1.json)", () => {
  it("reproduces the associated data, padding and ciphertext of every vector", () => {
    for (const v of vectors.fields) {
      expect(bytesToHex(fieldAssociatedData(v.binding))).toBe(v.adHex);
      expect(bytesToHex(padValue(v.value))).toBe(v.paddedHex);
      expect(sealValue(key, v.binding, v.value, nonce)).toEqual(v.sealed);
      expect(openValue(key, v.binding, v.sealed)).toEqual(E.right(v.value));
    }
  });

  it("reproduces the wrapped data key and the KEK check value", () => {
    const w = vectors.wrap;
    const kek = { id: w.kekId, key: hexToBytes(w.kekHex) };
    const b = { keyId: w.keyId, subject: w.subject, kekId: w.kekId };
    expect(bytesToHex(framed("daicho/key-wrap/v1", [w.keyId, w.subject, w.kekId]))).toBe(w.adHex);
    expect(bytesToHex(wrapDataKey(kek, b, key, nonce))).toBe(w.wrappedHex);
    expect(bytesToHex(kekCheckValue(kek, nonce))).toBe(w.kekCheckHex);
    const unwrapped = unwrapDataKey(kek, b, hexToBytes(w.wrappedHex));
    expect(E.isRight(unwrapped) && bytesToHex(unwrapped.right)).toBe(vectors.dataKeyHex);
  });
});

describe("sealValue / openValue", () => {
  it("round-trips any string and pads to a multiple of the block", () => {
    fc.assert(
      fc.property(fc.string({ unit: "grapheme", maxLength: 200 }), (value) => {
        const sealed = sealValue(key, binding, value);
        expect(openValue(key, binding, sealed)).toEqual(E.right(value));
        const ct = fromBase64Url(sealed.ct) as Uint8Array;
        expect((ct.length - 16) % PAD_BLOCK).toBe(0);
      }),
    );
  });

  it("uses a fresh nonce each time, so equal values do not give equal ciphertexts", () => {
    const a = sealValue(key, binding, "same");
    const b = sealValue(key, binding, "same");
    expect(a.nonce).not.toBe(b.nonce);
    expect(a.ct).not.toBe(b.ct);
  });

  it("reports CIPHERTEXT_TAMPERED when any bound member changes", () => {
    const sealed = sealValue(key, binding, "hanako@example.jp");
    const variants: FieldBinding[] = [
      { ...binding, ledgerId: "other/ledger" },
      { ...binding, eventId: "evt-2" },
      { ...binding, subject: "contact-2" },
      { ...binding, field: "phone" },
      { ...binding, keyId: "dk1-1" },
      { ...binding, keep: "jp" },
    ];
    for (const v of variants) {
      const r = openValue(key, v, sealed);
      expect(E.isLeft(r) && r.left.code).toBe("CIPHERTEXT_TAMPERED");
    }
  });

  it("reports CIPHERTEXT_TAMPERED for any flipped ciphertext bit", () => {
    const sealed = sealValue(key, binding, "hanako@example.jp");
    const ct = fromBase64Url(sealed.ct) as Uint8Array;
    fc.assert(
      fc.property(fc.integer({ min: 0, max: ct.length * 8 - 1 }), (bit) => {
        const copy = ct.slice();
        copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
        const r = openValue(key, binding, { ...sealed, ct: toBase64Url(copy) });
        expect(E.isLeft(r) && r.left.code).toBe("CIPHERTEXT_TAMPERED");
      }),
    );
  });

  it("never echoes the value in a tampering error", () => {
    const sealed = sealValue(key, binding, "secret-value-123");
    const r = openValue(new Uint8Array(32), binding, sealed);
    expect(E.isLeft(r) && JSON.stringify(r.left.toJSON()) + r.left.message).not.toContain(
      "secret-value-123",
    );
  });
});

describe("encodings", () => {
  it("round-trips base64url and rejects non-canonical spellings", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64Url(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64url"));
        expect(fromBase64Url(text)).toEqual(bytes);
      }),
    );
    expect(fromBase64Url("QQ==")).toBeUndefined();
    expect(fromBase64Url("QR")).toBeUndefined(); // non-zero trailing bits
    expect(fromBase64Url("Q")).toBeUndefined();
    expect(fromBase64Url("a+b/")).toBeUndefined();
  });

  it("distinguishes absent, empty and shifted parts in framed data", () => {
    const a = framed("t", ["ab", "c"]);
    const b = framed("t", ["a", "bc"]);
    const c = framed("t", ["", undefined]);
    const d = framed("t", [undefined, ""]);
    expect(bytesToHex(a)).not.toBe(bytesToHex(b));
    expect(bytesToHex(c)).not.toBe(bytesToHex(d));
  });

  it("unpads only well-formed padding", () => {
    expect(unpadValue(new Uint8Array(32))).toBeUndefined();
    expect(unpadValue(padValue("x"))).toBe("x");
  });
});

describe("key wrapping", () => {
  const kek = { id: "kek-a", key: new Uint8Array(32).fill(1) };
  const other = { id: "kek-a", key: new Uint8Array(32).fill(2) };
  const b = { keyId: "dk1-1", subject: "s-1", kekId: "kek-a" };

  it("unwraps only under the same KEK and binding", () => {
    const wrapped = wrapDataKey(kek, b, key);
    expect(E.isRight(unwrapDataKey(kek, b, wrapped))).toBe(true);
    const wrong = unwrapDataKey(other, b, wrapped);
    expect(E.isLeft(wrong) && wrong.left.code).toBe("WRONG_KEK");
    const moved = unwrapDataKey(kek, { ...b, subject: "s-2" }, wrapped);
    expect(E.isLeft(moved) && moved.left.code).toBe("WRONG_KEK");
    const renamed = unwrapDataKey({ ...kek, id: "kek-b" }, b, wrapped);
    expect(E.isLeft(renamed) && renamed.left.code).toBe("WRONG_KEK");
  });

  it("tells a matching KEK from another by the check value", () => {
    const check = kekCheckValue(kek);
    expect(kekMatches(kek, check)).toBe(true);
    expect(kekMatches(other, check)).toBe(false);
    expect(kekMatches({ ...kek, id: "kek-b" }, check)).toBe(false);
  });
});
