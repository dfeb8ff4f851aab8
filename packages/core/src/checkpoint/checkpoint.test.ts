import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "./base64";
import { formatCheckpoint, parseCheckpoint } from "./checkpoint";
import { loadSigner } from "./key-source";
import { formatVerifierKey, parsePrivateKey, parseVerifierKey, parseVerifierKeys } from "./keys";
import { formatNote, parseNote, signNote } from "./note";
import { cosignCheckpoint, mergeCheckpoints, verifyCheckpoint } from "./policy";
import { ed25519Signer, generateKey, signerFromKeyText } from "./signer";

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const leftCode = (e: E.Either<{ code: string }, unknown>) => (E.isLeft(e) ? e.left.code : "OK");
const seed = (n: number) => new Uint8Array(32).fill(n);

// The example key and note published with Go's golang.org/x/mod/sumdb/note package:
// reproducing them shows our key texts, key IDs and signatures interoperate with it.
const GO_PRIVATE = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
const GO_VKEY = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
const GO_NOTE =
  "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n\n" +
  "\u2014 PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";

describe("signed notes and keys (C2SP signed-note v1.0.0)", () => {
  it("reproduces the Go note package's published key texts and signature", async () => {
    const signer = right(signerFromKeyText(GO_PRIVATE));
    expect(signer.verifierKey).toBe(GO_VKEY);
    const parsed = right(parseNote(GO_NOTE));
    expect(formatNote(await signNote(parsed.text, [signer]))).toBe(GO_NOTE);
  });

  it("derives the key ID as SHA-256(name ‖ 0x0A ‖ 0x01 ‖ public key)[:4]", () => {
    const v = right(parseVerifierKey(GO_VKEY));
    expect(Buffer.from(v.keyId).toString("hex")).toBe("c74f20a3");
    expect(formatVerifierKey(v)).toBe(GO_VKEY);
  });

  it("rejects verifier keys whose ID does not match, that are not Ed25519, or have a bad name", () => {
    expect(leftCode(parseVerifierKey(GO_VKEY.replace("c74f20a3", "c74f20a4")))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(leftCode(parseVerifierKey(GO_VKEY.replace("+ARpc", "+AhpC")))).toBe("INVALID_ARGUMENT");
    expect(leftCode(parseVerifierKey(`Peter Neumann${GO_VKEY.slice(12)}`))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(leftCode(parseVerifierKey("nothing"))).toBe("INVALID_ARGUMENT");
    expect(leftCode(parsePrivateKey(GO_VKEY))).toBe("INVALID_ARGUMENT");
    const keys = parseVerifierKeys(`# auditors\n${GO_VKEY}\n\nbad+key\n`);
    expect(E.isLeft(keys) && keys.left.path).toBe("line 4");
  });

  it("generates keys whose texts round-trip", () => {
    const { privateKey, verifierKey } = generateKey("dpo.example/2026");
    const signer = right(signerFromKeyText(privateKey));
    expect(signer.verifierKey).toBe(verifierKey);
    expect(right(parseVerifierKey(verifierKey)).name).toBe("dpo.example/2026");
  });

  it("decodes only canonical base64 and round-trips any bytes", () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 100 }), (bytes) => {
        const text = toBase64(bytes);
        expect(text).toBe(Buffer.from(bytes).toString("base64"));
        expect(fromBase64(text)).toEqual(bytes);
      }),
    );
    for (const bad of ["AB==", "AAB=", "A===", "AAA", "AA=A", " AAA", "AA==AA==", "-_8="]) {
      expect(fromBase64(bad)).toBeUndefined();
    }
  });
});

const origin = "crm.example.com/ledger";
const log = ed25519Signer(origin, seed(1));
const witness = ed25519Signer("witness.example/w1", seed(2));
const dpo = ed25519Signer("dpo.example.com", seed(3));
const root = new Uint8Array(32).map((_, i) => i * 7);

async function signed(size = 1234, signers = [log]) {
  return formatNote(await signNote(formatCheckpoint({ origin, size, root }), signers));
}

const originArb = fc.stringMatching(/^[a-z0-9][a-z0-9./:_-]{0,40}$/);
const sizeArb = fc.integer({ min: 0, max: 2 ** 52 });

describe("checkpoints (C2SP tlog-checkpoint v1.0.0)", () => {
  it("round-trips any checkpoint through its text and a signed note", async () => {
    await fc.assert(
      fc.asyncProperty(
        originArb,
        sizeArb,
        fc.uint8Array({ minLength: 32, maxLength: 32 }),
        async (o, size, r) => {
          const text = formatCheckpoint({ origin: o, size, root: r });
          expect(right(parseCheckpoint(text))).toEqual({
            origin: o,
            size,
            root: r,
            extensions: [],
          });
          const signer = ed25519Signer(o, seed(9));
          const note = formatNote(await signNote(text, [signer]));
          const verified = right(verifyCheckpoint(note, { keys: [signer.verifier], origin: o }));
          expect(verified.checkpoint).toEqual({ origin: o, size, root: r, extensions: [] });
          expect(formatNote(verified.note)).toBe(note);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("writes the exact text the spec shows", () => {
    expect(formatCheckpoint({ origin, size: 1234, root })).toBe(
      `${origin}\n1234\n${toBase64(root)}\n`,
    );
  });

  it("fails on every single-bit change anywhere in a signed checkpoint, the size line included", async () => {
    const note = new TextEncoder().encode(await signed());
    const policy = { keys: [log.verifier] };
    for (let bit = 0; bit < note.length * 8; bit++) {
      const copy = Uint8Array.from(note);
      copy[bit >> 3] = (copy[bit >> 3] as number) ^ (1 << (bit & 7));
      const result = verifyCheckpoint(copy, policy);
      expect(E.isLeft(result), `bit ${bit}`).toBe(true);
    }
  });

  it("gives a precise typed error for each kind of bad checkpoint", async () => {
    const policy = { keys: [log.verifier] };
    const good = await signed();
    const body = formatCheckpoint({ origin, size: 1234, root });
    const sign = async (text: string) => formatNote(await signNote(text, [log]));
    const cases: [string, string, string][] = [
      ["no blank line", good.replace("\n\n", "\n"), "CHECKPOINT_INVALID"],
      ["truncated signature line", good.slice(0, -10), "CHECKPOINT_INVALID"],
      ["missing final newline", good.slice(0, -1), "CHECKPOINT_INVALID"],
      [
        "leading zero in size",
        await sign(body.replace("\n1234\n", "\n01234\n")),
        "CHECKPOINT_INVALID",
      ],
      ["negative size", await sign(body.replace("\n1234\n", "\n-1\n")), "CHECKPOINT_INVALID"],
      [
        "size beyond 2^52",
        await sign(body.replace("\n1234\n", "\n9007199254740993\n")),
        "CHECKPOINT_INVALID",
      ],
      [
        "31-byte root",
        await sign(`${origin}\n1234\n${toBase64(root.slice(1))}\n`),
        "CHECKPOINT_INVALID",
      ],
      ["only two lines", await sign(`${origin}\n1234\n`), "CHECKPOINT_INVALID"],
      ["control character", good.replace("ledger", "led\u0007ger"), "CHECKPOINT_INVALID"],
      ["hyphen instead of em dash", good.replace("\u2014", "-"), "CHECKPOINT_INVALID"],
      ["unknown key only", await signed(1234, [witness]), "SIGNATURE_INVALID"],
      [
        "known key, bad signature",
        good.replace(/[A-Za-z0-9+/]{6}=\n$/, "AAAAAA=\n"),
        "SIGNATURE_INVALID",
      ],
      [
        "wrong origin for the auditor",
        (await signed()).replace(origin, "other.example/ledger"),
        "SIGNATURE_INVALID",
      ],
    ];
    for (const [name, text, code] of cases) {
      expect(leftCode(verifyCheckpoint(text, policy)), name).toBe(code);
    }
    expect(leftCode(verifyCheckpoint(good, { ...policy, origin: "other.example/ledger" }))).toBe(
      "CHECKPOINT_INVALID",
    );
    const many = `${body}\n${Array.from({ length: 101 }, () => good.split("\n\n")[1]).join("")}`;
    expect(leftCode(verifyCheckpoint(many, policy))).toBe("CHECKPOINT_INVALID");
    const bad = verifyCheckpoint(good.replace("1234", "1235"), policy);
    expect(E.isLeft(bad) && bad.left.code).toBe("SIGNATURE_INVALID");
  });

  it("accepts 16 signatures, ignoring unknown signers", async () => {
    const others = Array.from({ length: 15 }, (_, i) =>
      ed25519Signer(`w${i}.example`, seed(40 + i)),
    );
    const note = await signed(10, [...others, log]);
    const v = right(verifyCheckpoint(note, { keys: [log.verifier] }));
    expect(v.verifiedBy).toEqual([origin]);
    expect(v.unknown).toHaveLength(15);
  });
});

describe("co-signatures and k-of-n policies", () => {
  const keys = [log.verifier, witness.verifier, dpo.verifier];

  it("counts distinct trusted signers against the threshold", async () => {
    const logOnly = await signed();
    expect(right(verifyCheckpoint(logOnly, { keys, threshold: 1 })).verifiedBy).toEqual([origin]);
    const one = verifyCheckpoint(logOnly, { keys, threshold: 2 });
    expect(E.isLeft(one) && one.left.reason).toMatch(/2 of 3 trusted keys; found 1/);
    const withWitness = await cosignCheckpoint(logOnly, witness, { keys: [log.verifier] });
    expect(right(verifyCheckpoint(withWitness, { keys, threshold: 2 })).verifiedBy).toHaveLength(2);
    const duplicated = mergeCheckpoints(withWitness, withWitness);
    expect(duplicated).toBe(withWitness);
    expect(leftCode(verifyCheckpoint(duplicated, { keys, threshold: 3 }))).toBe(
      "SIGNATURE_INVALID",
    );
    const dpoCopy = await cosignCheckpoint(logOnly, dpo);
    const all = mergeCheckpoints(withWitness, dpoCopy);
    expect(right(verifyCheckpoint(all, { keys, threshold: 3 })).verifiedBy).toHaveLength(3);
  });

  it("refuses to co-sign a checkpoint that fails the co-signer's own policy", async () => {
    const forged = await signed(1234, [ed25519Signer(origin, seed(66))]);
    await expect(cosignCheckpoint(forged, witness, { keys: [log.verifier] })).rejects.toMatchObject(
      {
        code: "SIGNATURE_INVALID",
      },
    );
  });

  it("refuses to merge signatures over different checkpoints", async () => {
    expect(() => mergeCheckpoints(`${origin}\n`, "x")).toThrow();
    const a = await signed(1);
    const b = await signed(2);
    expect(() => mergeCheckpoints(a, b)).toThrowError(/different texts/);
  });

  it("rejects a threshold that the keys cannot meet", async () => {
    expect(leftCode(verifyCheckpoint(await signed(), { keys, threshold: 4 }))).toBe(
      "INVALID_ARGUMENT",
    );
    expect(leftCode(verifyCheckpoint(await signed(), { keys, threshold: 0 }))).toBe(
      "INVALID_ARGUMENT",
    );
  });
});

describe("default signer from a key file or the environment", () => {
  const { privateKey, verifierKey } = generateKey(origin);

  it("reads a key file", async () => {
    const dir = mkdtempSync(join(tmpdir(), "daicho-key-"));
    const file = join(dir, "log.key");
    writeFileSync(file, `${privateKey}\n`);
    expect((await loadSigner({ file })).verifierKey).toBe(verifierKey);
  });

  it("reads the environment", async () => {
    const signer = await loadSigner({ environment: { DAICHO_SIGNING_KEY: privateKey } });
    expect(signer.verifierKey).toBe(verifierKey);
  });

  it("fails with KEY_UNAVAILABLE or INVALID_ARGUMENT, never echoing the key", async () => {
    await expect(loadSigner({ environment: {} })).rejects.toMatchObject({
      code: "KEY_UNAVAILABLE",
    });
    await expect(loadSigner({ file: "/nonexistent/key" })).rejects.toMatchObject({
      code: "KEY_UNAVAILABLE",
    });
    const broken = `${privateKey.slice(0, -4)}AAA=`;
    const e = await loadSigner({ environment: { DAICHO_SIGNING_KEY: broken } }).catch((x) => x);
    expect(e.code).toBe("INVALID_ARGUMENT");
    expect(String(e.message)).not.toContain(broken.slice(-20));
  });
});
