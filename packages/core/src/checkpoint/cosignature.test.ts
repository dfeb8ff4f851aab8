import { createPublicKey, verify as nodeVerify } from "node:crypto";
import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { fromBase64, toBase64 } from "./base64";
import { formatCheckpoint } from "./checkpoint";
import {
  COSIGNATURE_V1_SIZE,
  cosignatureV1Message,
  joinCosignatureV1,
  MAX_COSIGNATURE_TIMESTAMP,
  splitCosignatureV1,
} from "./cosignature";
import {
  cosignatureV1KeyId,
  cosignatureV1Verifier,
  formatPrivateKey,
  formatVerifierKey,
  type NoteVerifier,
  noteKeyId,
  parsePrivateKey,
  parseVerifierKey,
  parseVerifierKeys,
} from "./keys";
import { formatNote, parseNote, signNote } from "./note";
import { cosignCheckpoint, mergeCheckpoints, verifyCheckpoint } from "./policy";
import {
  cosignatureV1Signer,
  cosignerFromKeyText,
  ed25519Signer,
  signerFromKeyText,
} from "./signer";

const right = <A>(e: E.Either<unknown, A>): A => {
  if (E.isLeft(e)) throw e.left;
  return e.right;
};
const leftCode = (e: E.Either<{ code: string }, unknown>) => (E.isLeft(e) ? e.left.code : "OK");
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

const vectors = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/cosignature-v1.json", import.meta.url), "utf8"),
);
const checkpointVectors = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/checkpoint-v1.json", import.meta.url), "utf8"),
);
const real = vectors.published.realCheckpoint;
const gen = vectors.generated;
const logKey = right(parseVerifierKey(checkpointVectors.log.verifierKey));

/** Replace the base64 blob of the signature line named `name` by `blob(old)`. */
function editLine(note: string, name: string, edit: (raw: Uint8Array) => Uint8Array): string {
  return note
    .split("\n")
    .map((line) => {
      const prefix = `\u2014 ${name} `;
      if (!line.startsWith(prefix)) return line;
      const raw = fromBase64(line.slice(prefix.length)) as Uint8Array;
      return prefix + toBase64(edit(Uint8Array.from(raw)));
    })
    .join("\n");
}

describe("C2SP tlog-cosignature v1.0.0 (Ed25519 cosignature/v1): published data", () => {
  it("verifies real witness cosignatures on a real checkpoint and reports the timestamp", () => {
    const keys = right(parseVerifierKeys(`${real.logVerifierKey}\n${real.witnessVerifierKey}\n`));
    const v = right(verifyCheckpoint(real.note, { keys, threshold: 2 }));
    expect(v.verifiedBy).toEqual(["arche2025h1.staging.ct.transparency.dev", "remora.n621.de"]);
    expect(v.cosignatures).toEqual([
      { name: "remora.n621.de", keyId: "da77ade7", timestamp: real.witnessTimestamp },
    ]);
    // The witness alone satisfies a 1-of-1 policy: a cosignature counts toward k.
    const witnessOnly = [keys[1] as NoteVerifier];
    expect(right(verifyCheckpoint(real.note, { keys: witnessOnly })).verifiedBy).toEqual([
      "remora.n621.de",
    ]);
    const clobbered = real.note.replace("\n1432088532\n", "\n42\n");
    expect(leftCode(verifyCheckpoint(clobbered, { keys: witnessOnly }))).toBe("SIGNATURE_INVALID");
  });

  it("parses the witness verifier key of type 0x04 and recomputes its key ID", () => {
    const v = right(parseVerifierKey(real.witnessVerifierKey));
    expect(v.type).toBe(0x04);
    expect(hex(v.keyId)).toBe("da77ade7");
    expect(hex(cosignatureV1KeyId(v.name, v.publicKey))).toBe("da77ade7");
    expect(formatVerifierKey(v)).toBe(real.witnessVerifierKey);
    // The same key read as type 0x01 has another key ID: a 0x01 line never matches it.
    expect(hex(noteKeyId(v.name, 0x01, v.publicKey))).not.toBe("da77ade7");
    expect(
      leftCode(parseVerifierKey(real.witnessVerifierKey.replace("da77ade7", "da77ade8"))),
    ).toBe("INVALID_ARGUMENT");
  });

  it("reads the timestamps of published cosignatures", () => {
    for (const c of vectors.published.timestamps.cases) {
      const raw = fromBase64(c.signatureBase64) as Uint8Array;
      expect(raw.length).toBe(4 + COSIGNATURE_V1_SIZE);
      expect(hex(raw.slice(0, 4))).toBe(c.keyId);
      expect(splitCosignatureV1(raw.slice(4))?.timestamp).toBe(c.timestamp);
    }
  });
});

describe("cosignature/v1: Daichō's generated vector", () => {
  const w = gen.witness;
  const seed = Uint8Array.from(Buffer.from(w.seedHex, "hex"));

  it("reproduces the key texts, the signed message and the cosigned note byte for byte", async () => {
    expect(formatPrivateKey(w.name, seed, 0x04)).toBe(w.privateKey);
    expect(formatPrivateKey(w.name, seed)).toBe(w.privateKeyType0x01);
    const text = new TextEncoder().encode(gen.checkpointText);
    expect(new TextDecoder().decode(cosignatureV1Message(gen.timestamp, text))).toBe(
      gen.signedMessage,
    );
    const now = () => gen.timestamp;
    for (const key of [w.privateKey, w.privateKeyType0x01]) {
      const signer = right(cosignerFromKeyText(key, { now }));
      expect(signer.verifierKey).toBe(w.verifierKey);
      expect(hex(signer.keyId)).toBe(w.keyId);
      expect(await cosignCheckpoint(gen.signedNote, signer, { keys: [logKey] })).toBe(
        gen.cosignedNote,
      );
    }
    expect(right(parsePrivateKey(w.privateKey)).type).toBe(0x04);
    // A type-0x04 private key makes a witness signer by default, too.
    expect(right(signerFromKeyText(w.privateKey)).verifierKey).toBe(w.verifierKey);
    const v = right(
      verifyCheckpoint(gen.cosignedNote, {
        keys: [logKey, right(parseVerifierKey(w.verifierKey))],
        threshold: 2,
      }),
    );
    expect(v.cosignatures).toEqual([{ name: w.name, keyId: w.keyId, timestamp: gen.timestamp }]);
  });

  it("is checked by an independent Ed25519 (node:crypto / OpenSSL)", () => {
    const note = right(parseNote(gen.cosignedNote));
    const line = note.signatures.find((s) => s.name === w.name);
    const split = splitCosignatureV1(line?.signature ?? new Uint8Array()) as {
      timestamp: number;
      signature: Uint8Array;
    };
    const pub = right(parseVerifierKey(w.verifierKey)).publicKey;
    const spki = Buffer.concat([Buffer.from("302a300506032b6570032100", "hex"), pub]);
    const key = createPublicKey({ key: spki, format: "der", type: "spki" });
    expect(split.timestamp).toBe(gen.timestamp);
    expect(nodeVerify(null, Buffer.from(gen.signedMessage), key, split.signature)).toBe(true);
  });
});

describe("cosignature/v1: round trip and tampering", () => {
  const log = ed25519Signer("log.example/ledger", new Uint8Array(32).fill(1));
  const seed = new Uint8Array(32).fill(7);
  const name = "witness.example/w1";
  const at = (t: number) => cosignatureV1Signer(name, seed, { now: () => t });
  const witnessKey = cosignatureV1Verifier(name, at(0).verifier.publicKey);
  const cp = (size: number) =>
    formatCheckpoint({ origin: "log.example/ledger", size, root: new Uint8Array(32).fill(size) });
  const cosigned = async (size: number, t: number) =>
    formatNote(await signNote(cp(size), [log, at(t)]));

  it("round-trips for any checkpoint and timestamp", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 0, max: 2 ** 40 }),
        fc.integer({ min: 0, max: MAX_COSIGNATURE_TIMESTAMP }),
        async (size, t) => {
          const v = right(
            verifyCheckpoint(await cosigned(size, t), {
              keys: [log.verifier, witnessKey],
              threshold: 2,
            }),
          );
          expect(v.cosignatures).toEqual([{ name, keyId: hex(witnessKey.keyId), timestamp: t }]);
          expect(v.checkpoint.size).toBe(size);
        },
      ),
      { numRuns: 40 },
    );
  });

  it("fails when any bit of the cosignature's timestamp or signature is flipped", async () => {
    const note = await cosigned(5, 1_700_000_000);
    for (let bit = 0; bit < COSIGNATURE_V1_SIZE * 8; bit++) {
      const bad = editLine(note, name, (raw) => {
        raw[4 + (bit >> 3)] = (raw[4 + (bit >> 3)] as number) ^ (1 << (bit & 7));
        return raw;
      });
      const r = verifyCheckpoint(bad, { keys: [log.verifier, witnessKey] });
      expect(E.isLeft(r) && r.left.code, `bit ${bit}`).toBe("SIGNATURE_INVALID");
    }
  });

  it("a flipped key-ID bit makes the line unknown, so a witness-only policy fails", async () => {
    const note = await cosigned(5, 1_700_000_000);
    for (let bit = 0; bit < 32; bit++) {
      const bad = editLine(note, name, (raw) => {
        raw[bit >> 3] = (raw[bit >> 3] as number) ^ (1 << (bit & 7));
        return raw;
      });
      const r = verifyCheckpoint(bad, { keys: [witnessKey] });
      expect(E.isLeft(r) && r.left.code).toBe("SIGNATURE_INVALID");
    }
  });

  it("fails for any single-bit change of the checkpoint body", async () => {
    const note = await cosigned(5, 1_700_000_000);
    const text = cp(5);
    const sigs = note.slice(text.length);
    await fc.assert(
      fc.property(fc.integer({ min: 0, max: text.length * 8 - 1 }), (bit) => {
        const bytes = new TextEncoder().encode(text);
        bytes[bit >> 3] = (bytes[bit >> 3] as number) ^ (1 << (bit & 7));
        const bad = Buffer.from(bytes).toString("latin1") + sigs;
        expect(E.isLeft(verifyCheckpoint(bad, { keys: [witnessKey] }))).toBe(true);
      }),
      { numRuns: 200 },
    );
  });

  it("rejects a wrong timestamp, a moved line, a bad length and a timestamp beyond 2^53 − 1", async () => {
    const t = 1_700_000_000;
    const note = await cosigned(5, t);
    const policy = { keys: [witnessKey] };
    const retime = (u: bigint) =>
      editLine(note, name, (raw) => {
        new DataView(raw.buffer).setBigUint64(4, u, false);
        return raw;
      });
    expect(leftCode(verifyCheckpoint(retime(BigInt(t + 1)), policy))).toBe("SIGNATURE_INVALID");
    expect(leftCode(verifyCheckpoint(retime(2n ** 63n - 1n), policy))).toBe("SIGNATURE_INVALID");
    // The same cosignature line under another checkpoint body does not verify.
    const line = note.slice(note.indexOf(`\u2014 ${name}`));
    expect(leftCode(verifyCheckpoint(`${cp(6)}\n${line}`, policy))).toBe("SIGNATURE_INVALID");
    const short = editLine(note, name, (raw) => raw.slice(0, 4 + 64));
    expect(leftCode(verifyCheckpoint(short, policy))).toBe("SIGNATURE_INVALID");
    expect(splitCosignatureV1(new Uint8Array(71))).toBeUndefined();
    expect(() => joinCosignatureV1(-1, new Uint8Array(64))).toThrow(RangeError);
    expect(() => cosignatureV1Message(2 ** 53, new Uint8Array())).toThrow(RangeError);
  });

  it("does not confuse a cosignature/v1 key with a plain key of the same Ed25519 key", async () => {
    const plain = ed25519Signer(name, seed);
    const note = await cosigned(5, 1);
    // The plain (0x01) verifier of the witness key does not match the 0x04 line.
    expect(leftCode(verifyCheckpoint(note, { keys: [plain.verifier] }))).toBe("SIGNATURE_INVALID");
    const plainNote = formatNote(await signNote(cp(5), [plain]));
    expect(leftCode(verifyCheckpoint(plainNote, { keys: [witnessKey] }))).toBe("SIGNATURE_INVALID");
    expect(formatVerifierKey(witnessKey)).not.toBe(plain.verifierKey);
  });

  it("signs only checkpoints, and merges with other co-signed copies", async () => {
    await expect(signNote("not a checkpoint\n", [at(1)])).rejects.toMatchObject({
      code: "CHECKPOINT_INVALID",
    });
    await expect(signNote(cp(3), [at(-1)])).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
    const signed = formatNote(await signNote(cp(5), [log]));
    const a = await cosignCheckpoint(signed, at(10), { keys: [log.verifier] });
    const other = cosignatureV1Signer("witness.example/w2", new Uint8Array(32).fill(9), {
      now: () => 20,
    });
    const b = await cosignCheckpoint(signed, other);
    const merged = mergeCheckpoints(a, b);
    const v = right(
      verifyCheckpoint(merged, {
        keys: [log.verifier, witnessKey, other.verifier],
        threshold: 3,
      }),
    );
    expect(v.cosignatures.map((c) => [c.name, c.timestamp])).toEqual([
      [name, 10],
      ["witness.example/w2", 20],
    ]);
  });
});
