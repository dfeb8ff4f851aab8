import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { formatCheckpoint } from "./checkpoint";
import { formatNote, signNote } from "./note";
import { verifyCheckpoint } from "./policy";
import { cosignatureV1Signer, ed25519Signer } from "./signer";

describe("k-of-n counts distinct signers by key name", () => {
  const origin = "log.example/ledger";
  const log = ed25519Signer(origin, new Uint8Array(32).fill(1));
  const witnessName = "witness.example/w1";
  const witnessSeed = new Uint8Array(32).fill(9);
  // One witness, trusted twice: its signed-note key (0x01) and its cosignature key (0x04).
  const witnessPlain = ed25519Signer(witnessName, witnessSeed);
  const witnessCosigner = cosignatureV1Signer(witnessName, witnessSeed, {
    now: () => 1_700_000_000,
  });
  const text = formatCheckpoint({ origin, size: 9, root: new Uint8Array(32).fill(3) });
  const signedBy = async (...signers: Parameters<typeof signNote>[1]) =>
    formatNote(await signNote(text, signers));
  const code = (e: E.Either<{ code: string }, unknown>) => (E.isLeft(e) ? e.left.code : "OK");

  it("refuses a threshold of 2 met by one witness signing with its 0x01 and its 0x04 key", async () => {
    const note = await signedBy(witnessPlain, witnessCosigner);
    const keys = [log.verifier, witnessPlain.verifier, witnessCosigner.verifier];
    const r = verifyCheckpoint(note, { keys, threshold: 2 });
    expect(code(r)).toBe("SIGNATURE_INVALID");
    expect(E.isLeft(r) && r.left.reason).toMatch(/found 1/);
    // Both signatures are valid: one name, one vote.
    const one = verifyCheckpoint(note, { keys, threshold: 1 });
    expect(E.isRight(one) && one.right.verifiedBy).toEqual([witnessName]);
  });

  it("says a policy of one name with two keys cannot meet a threshold of 2", async () => {
    const note = await signedBy(witnessPlain, witnessCosigner);
    const r = verifyCheckpoint(note, {
      keys: [witnessPlain.verifier, witnessCosigner.verifier],
      threshold: 2,
    });
    expect(code(r)).toBe("INVALID_ARGUMENT");
    expect(E.isLeft(r) && r.left.reason).toMatch(/1 distinct key names/);
  });

  it("accepts a threshold of 2 met by two names (the log and the witness's 0x04 key)", async () => {
    const note = await signedBy(log, witnessCosigner);
    const keys = [log.verifier, witnessPlain.verifier, witnessCosigner.verifier];
    const r = verifyCheckpoint(note, { keys, threshold: 2 });
    expect(E.isRight(r) && r.right.verifiedBy).toEqual([origin, witnessName]);
    const all = await signedBy(log, witnessPlain, witnessCosigner);
    const both = verifyCheckpoint(all, { keys, threshold: 2 });
    expect(E.isRight(both) && both.right.verifiedBy).toEqual([origin, witnessName]);
    expect(code(verifyCheckpoint(all, { keys, threshold: 3 }))).toBe("INVALID_ARGUMENT");
  });
});
