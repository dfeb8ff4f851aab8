import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import * as bundle from "./bundle/index";
import * as checkpoint from "./checkpoint/index";
import * as crypto from "./crypto/index";
import * as erasure from "./erasure/index";
import { DaichoError } from "./errors";
import { hexToBytes } from "./hash";
import * as core from "./index";
import * as merkle from "./merkle/index";
import * as monitor from "./monitor/index";
import * as policy from "./policy/index";
import * as pseudonym from "./pseudonym/index";
import { sampleInput } from "./testing/fixtures";
import * as views from "./views/index";
import { chainEvents, historyArb, T0 } from "./views/test-history";

/**
 * Every plain form (`…OrThrow`) gives the verdict of its `Either` form: the same value,
 * or a thrown `DaichoError` equal to the `Left` (code, path, reason, details, message).
 * Inputs are the committed vectors (positive and negative) and mutations of them.
 */
type Outcome = "right" | string;
function agree<A>(
  either: E.Either<DaichoError, A>,
  plain: () => A,
  view: (a: A) => unknown = (a) => a,
): Outcome {
  if (E.isRight(either)) {
    expect(view(plain())).toEqual(view(either.right));
    return "right";
  }
  let thrown: unknown;
  try {
    plain();
  } catch (e) {
    thrown = e;
  }
  expect(thrown).toBeInstanceOf(DaichoError);
  const error = thrown as DaichoError;
  expect(error.toJSON()).toEqual(either.left.toJSON());
  expect(error.message).toBe(either.left.message);
  return error.code;
}

const vector = (name: string) =>
  JSON.parse(readFileSync(new URL(`../../../docs/vectors/${name}`, import.meta.url), "utf8"));
const hashes = (xs: readonly string[]) => xs.map(hexToBytes);
/** Replace the character at `at` (modulo the length) by `by`. */
const mutate = (s: string, at: number, by: string) => {
  const i = at % Math.max(1, s.length);
  return s.slice(0, i) + by + s.slice(i + 1);
};
const flip = (b: Uint8Array, at: number) => {
  const out = b.slice();
  if (out.length > 0) out[at % out.length] = (out[at % out.length] as number) ^ 1;
  return out;
};
/** Compiled configurations hold Maps, Sets and closures: compare what they contain. */
const contents = (x: unknown) =>
  JSON.stringify(x, (_k, v) =>
    v instanceof Map || v instanceof Set ? [...v] : typeof v === "function" ? "fn" : v,
  );
const mutation = fc.tuple(fc.nat(), fc.string({ minLength: 1, maxLength: 1 }));

/** Runs `cases`, and requires both verdicts among them, so no test passes vacuously. */
function bothVerdicts(outcomes: Outcome[]): void {
  expect(outcomes).toContain("right");
  expect(outcomes.some((o) => o !== "right")).toBe(true);
}

const SNAPSHOT_KEY = new Uint8Array(32).fill(9);

describe("plain forms give the Either forms' verdicts", () => {
  it("canonicalizeOrThrow, decodeWithOrThrow, decodeEventInputOrThrow (property)", () => {
    const out: Outcome[] = [];
    fc.assert(
      fc.property(fc.oneof(fc.jsonValue(), fc.anything()), (x) => {
        out.push(agree(core.canonicalize(x), () => core.canonicalizeOrThrow(x)));
        out.push(agree(core.decodeWith(core.Id, x), () => core.decodeWithOrThrow(core.Id, x)));
      }),
      { numRuns: 300 },
    );
    const valid = sampleInput(3) as unknown as Record<string, unknown>;
    fc.assert(
      fc.property(fc.constantFrom(...Object.keys(valid)), fc.anything(), (key, value) => {
        for (const input of [valid, { ...valid, [key]: value }]) {
          out.push(agree(core.decodeEventInput(input), () => core.decodeEventInputOrThrow(input)));
        }
      }),
      { numRuns: 200 },
    );
    bothVerdicts(out);
  });

  it("openValueOrThrow and unwrapDataKeyOrThrow on the personal-field vectors (property)", () => {
    const v = vector("personal-v1.json");
    const key = hexToBytes(v.dataKeyHex);
    const kek = { id: v.wrap.kekId, key: hexToBytes(v.wrap.kekHex) };
    const binding = { keyId: v.wrap.keyId, subject: v.wrap.subject, kekId: v.wrap.kekId };
    const wrapped = hexToBytes(v.wrap.wrappedHex);
    const out: Outcome[] = [];
    fc.assert(
      fc.property(fc.constantFrom(...v.fields), mutation, fc.boolean(), (f, [at, by], bad) => {
        const sealed = bad ? { ...f.sealed, ct: mutate(f.sealed.ct, at, by) } : f.sealed;
        out.push(
          agree(crypto.openValue(key, f.binding, sealed), () =>
            crypto.openValueOrThrow(key, f.binding, sealed),
          ),
        );
        const w = bad ? flip(wrapped, at) : wrapped;
        out.push(
          agree(crypto.unwrapDataKey(kek, binding, w), () =>
            crypto.unwrapDataKeyOrThrow(kek, binding, w),
          ),
        );
      }),
      { numRuns: 100 },
    );
    bothVerdicts(out);
  });

  it("the Merkle verifiers' plain forms on the RFC 9162 vectors, with flipped bits (property)", () => {
    const v = vector("merkle-v1.json");
    const leaves = hashes(v.leafHashes);
    const rootOf = (size: number) =>
      hexToBytes(v.roots.find((r: { size: number }) => r.size === size).root);
    const out: Outcome[] = [];
    fc.assert(
      fc.property(fc.nat(), fc.nat(), fc.boolean(), (pick, at, bad) => {
        const inc = v.inclusion[pick % v.inclusion.length];
        const proof = hashes(inc.proof).map((h, i) => (bad && i === 0 ? flip(h, at) : h));
        const own = leaves[inc.index] as Uint8Array;
        const leaf = bad && proof.length === 0 ? flip(own, at) : own;
        const args = [inc.index, inc.size, leaf, proof] as const;
        out.push(
          agree(merkle.rootFromInclusionProof(...args), () =>
            merkle.rootFromInclusionProofOrThrow(...args),
          ),
        );
        out.push(
          agree(merkle.verifyInclusion(...args, rootOf(inc.size)), () =>
            merkle.verifyInclusionOrThrow(...args, rootOf(inc.size)),
          ),
        );
        const con = v.consistency[pick % v.consistency.length];
        const cproof = hashes(con.proof).map((h, i) => (bad && i === 0 ? flip(h, at) : h));
        const cargs = [con.size1, con.size2, cproof, rootOf(con.size1), rootOf(con.size2)] as const;
        out.push(
          agree(merkle.verifyConsistency(...cargs), () =>
            merkle.verifyConsistencyOrThrow(...cargs),
          ),
        );
        const r = v.range[pick % v.range.length];
        const rproof = { left: hashes(r.left), right: hashes(r.right).map((h) => flip(h, at)) };
        const rp = bad && rproof.right.length > 0 ? rproof : { ...rproof, right: hashes(r.right) };
        const rleaves = leaves.slice(r.from, r.to);
        out.push(
          agree(merkle.rootFromRangeProof(r.from, rleaves, r.size, rp), () =>
            merkle.rootFromRangeProofOrThrow(r.from, rleaves, r.size, rp),
          ),
        );
        out.push(
          agree(merkle.verifyRangeProof(r.from, rleaves, r.size, rp, rootOf(r.size)), () =>
            merkle.verifyRangeProofOrThrow(r.from, rleaves, r.size, rp, rootOf(r.size)),
          ),
        );
      }),
      { numRuns: 150 },
    );
    bothVerdicts(out);
  });

  it("the checkpoint, note and key parsers' plain forms on the vectors, mutated (property)", () => {
    const v = vector("checkpoint-v1.json");
    const log = E.getOrElseW(() => undefined)(checkpoint.parseVerifierKey(v.log.verifierKey));
    const witness = checkpoint.parseVerifierKey(v.witness.verifierKey);
    if (log === undefined || E.isLeft(witness)) throw new Error("vector keys do not parse");
    const trust = { keys: [log, witness.right], threshold: 2 };
    const signer = (s: { readonly name: string; readonly verifierKey: string }) => ({
      name: s.name,
      verifierKey: s.verifierKey,
    });
    const out: Outcome[] = [];
    fc.assert(
      fc.property(mutation, fc.boolean(), ([at, by], bad) => {
        const m = (s: string) => (bad ? mutate(s, at, by) : s);
        const text = m(v.checkpointText);
        out.push(
          agree(checkpoint.parseCheckpoint(text), () => checkpoint.parseCheckpointOrThrow(text)),
        );
        for (const k of [
          m(v.log.verifierKey),
          m(`${v.log.verifierKey}\n${v.witness.verifierKey}`),
        ]) {
          out.push(
            agree(
              checkpoint.parseVerifierKey(k),
              () => checkpoint.parseVerifierKeyOrThrow(k),
              checkpoint.formatVerifierKey,
            ),
          );
          out.push(
            agree(
              checkpoint.parseVerifierKeys(k),
              () => checkpoint.parseVerifierKeysOrThrow(k),
              (keys) => keys.map(checkpoint.formatVerifierKey),
            ),
          );
        }
        const priv = m(v.log.privateKey);
        out.push(
          agree(checkpoint.parsePrivateKey(priv), () => checkpoint.parsePrivateKeyOrThrow(priv)),
        );
        out.push(
          agree(
            checkpoint.signerFromKeyText(priv),
            () => checkpoint.signerFromKeyTextOrThrow(priv),
            signer,
          ),
        );
        const wpriv = m(v.witness.privateKey);
        out.push(
          agree(
            checkpoint.cosignerFromKeyText(wpriv),
            () => checkpoint.cosignerFromKeyTextOrThrow(wpriv),
            signer,
          ),
        );
        const note = m(v.cosignedNote);
        out.push(agree(checkpoint.parseNote(note), () => checkpoint.parseNoteOrThrow(note)));
        out.push(
          agree(checkpoint.verifyCheckpoint(note, trust), () =>
            checkpoint.verifyCheckpointOrThrow(note, trust),
          ),
        );
        const a = checkpoint.parseNote(v.signedNote);
        const b = checkpoint.parseNote(note);
        if (E.isRight(a) && E.isRight(b)) {
          out.push(
            agree(checkpoint.mergeNotes(a.right, b.right), () =>
              checkpoint.mergeNotesOrThrow(a.right, b.right),
            ),
          );
          out.push(
            agree(checkpoint.checkSignatures(b.right, trust.keys), () =>
              checkpoint.checkSignaturesOrThrow(b.right, trust.keys),
            ),
          );
        }
      }),
      { numRuns: 50 },
    );
    bothVerdicts(out);
  });

  it("parseProofFileOrThrow and verifyProofFileOrThrow on every committed proof case", () => {
    const v = vector("proof-v1.json");
    const key = checkpoint.parseVerifierKeyOrThrow(v.verifierKey);
    const out: Outcome[] = [];
    for (const c of v.cases) {
      const check = {
        policy: { keys: [key] },
        checkpoints: c.checkpoints,
        ...(c.eventHash === undefined ? {} : { eventHash: c.eventHash }),
      };
      out.push(agree(bundle.parseProofFile(c.proof), () => bundle.parseProofFileOrThrow(c.proof)));
      const verdict = agree(bundle.verifyProofFile(c.proof, check), () =>
        bundle.verifyProofFileOrThrow(c.proof, check),
      );
      expect(verdict, c.name).toBe(c.expect.ok ? "right" : c.expect.code);
      out.push(verdict);
    }
    bothVerdicts(out);
  });

  it("verifyBundleOrThrow on the committed bundle and mutations of it (property)", () => {
    const v = vector("bundle-v1.json");
    const trust = { keys: [checkpoint.parseVerifierKeyOrThrow(v.verifierKey)] };
    const text = typeof v.bundle === "string" ? v.bundle : JSON.stringify(v.bundle);
    const out: Outcome[] = [];
    fc.assert(
      fc.property(mutation, fc.boolean(), ([at, by], bad) => {
        const b = bad ? mutate(text, at, by) : text;
        const options = { policy: trust, held: v.heldCheckpoint };
        out.push(
          agree(bundle.verifyBundle(b, options), () => bundle.verifyBundleOrThrow(b, options)),
        );
      }),
      { numRuns: 60 },
    );
    bothVerdicts(out);
  });

  it("verifyCertificateOrThrow on a signed certificate, its mutations and junk (property)", async () => {
    const seed = new Uint8Array(32).fill(9);
    const signer = erasure.ed25519Signer("dpo.example.com", seed);
    const ref = (seq: number) => ({ seq, id: `e-${seq}`, hash: "ab".repeat(32) });
    const signed = await erasure.signCertificate(
      {
        v: 1,
        ledgerId: "crm.example.com/ledger",
        requestId: "req-1",
        subject: "contact-1",
        requestedAt: "2026-04-01T00:00:00.000Z",
        dueBy: "2026-05-01T00:00:00.000Z",
        completedAt: "2026-04-02T00:00:00.000Z",
        keyIds: ["dk-1"],
        eventsAffected: 3,
        fence: ref(7),
        completion: ref(8),
      } as erasure.ErasureCertificate["certificate"],
      signer,
    );
    const text = JSON.stringify(signed);
    const out: Outcome[] = [];
    fc.assert(
      fc.property(mutation, fc.boolean(), ([at, by], bad) => {
        let input: unknown;
        try {
          input = JSON.parse(bad ? mutate(text, at, by) : text);
        } catch {
          input = bad ? by : signed;
        }
        out.push(
          agree(erasure.verifyCertificate(input, signer.publicKey), () =>
            erasure.verifyCertificateOrThrow(input, signer.publicKey),
          ),
        );
      }),
      { numRuns: 150 },
    );
    bothVerdicts(out);
  });

  it("decodePolicyConfigOrThrow and decodeMonitorConfigOrThrow (property)", () => {
    const good = { purposes: { support: { basis: "consent" } }, maskActions: ["read"] };
    const goodMonitor = { massExport: { maxSubjects: 100, windowMs: 60_000 } };
    const out: Outcome[] = [];
    fc.assert(
      fc.property(fc.anything(), fc.boolean(), (junk, bad) => {
        const p = bad ? { ...good, maskActions: junk } : good;
        out.push(
          agree(policy.decodePolicyConfig(p), () => policy.decodePolicyConfigOrThrow(p), contents),
        );
        const m = bad ? { massExport: junk } : goodMonitor;
        out.push(
          agree(
            monitor.decodeMonitorConfig(m),
            () => monitor.decodeMonitorConfigOrThrow(m),
            contents,
          ),
        );
      }),
      { numRuns: 200 },
    );
    bothVerdicts(out);
  });

  it("snapshot and view restores: decodeSnapshotOrThrow, snapshotHeaderOrThrow, fromSnapshotOrThrow, fromStateOrThrow (property)", () => {
    const ledgerId = "crm.example.com/ledger";
    const state = (x: views.Views) => x.state();
    const out: Outcome[] = [];
    fc.assert(
      fc.property(historyArb, mutation, fc.nat(3), (inputs, [at, by], how) => {
        const restored = new views.Views().applyAll(chainEvents(inputs));
        const good = views.encodeSnapshot(restored, ledgerId, new Date(T0), SNAPSHOT_KEY);
        const text = how === 1 ? mutate(good, at, by) : good;
        const expected = how === 2 ? "other.example.com/ledger" : ledgerId;
        out.push(agree(views.snapshotHeader(text), () => views.snapshotHeaderOrThrow(text)));
        out.push(
          agree(
            views.decodeSnapshot(text, expected, { key: SNAPSHOT_KEY }),
            () => views.decodeSnapshotOrThrow(text, expected, { key: SNAPSHOT_KEY }),
            (r) => ({ header: r.header, state: state(r.views) }),
          ),
        );
        const s = restored.state() as unknown as Record<string, unknown>;
        const sections = how === 3 ? { ...s, consent: by } : s;
        const position = restored.at;
        out.push(
          agree(
            views.Views.fromState(sections as never, position),
            () => views.Views.fromStateOrThrow(sections as never, position),
            state,
          ),
        );
        const each: [
          string,
          { fromSnapshot: (d: unknown) => E.Either<DaichoError, unknown> },
          (d: unknown) => unknown,
        ][] = [
          ["actors", views.ActorsView, (d) => views.ActorsView.fromSnapshotOrThrow(d)],
          [
            "permissions",
            views.PermissionsView,
            (d) => views.PermissionsView.fromSnapshotOrThrow(d),
          ],
          ["consent", views.ConsentView, (d) => views.ConsentView.fromSnapshotOrThrow(d)],
          [
            "classification",
            views.ClassificationView,
            (d) => views.ClassificationView.fromSnapshotOrThrow(d),
          ],
          ["provenance", views.ProvenanceView, (d) => views.ProvenanceView.fromSnapshotOrThrow(d)],
          [
            "restriction",
            views.RestrictionView,
            (d) => views.RestrictionView.fromSnapshotOrThrow(d),
          ],
          ["records", views.RecordsView, (d) => views.RecordsView.fromSnapshotOrThrow(d)],
        ];
        for (const [name, View, plain] of each) {
          const data = (sections as Record<string, unknown>)[name];
          const snap = (x: unknown) => (x as { toSnapshot(): unknown }).toSnapshot();
          out.push(agree(View.fromSnapshot(data), () => plain(data), snap));
        }
      }),
      { numRuns: 40 },
    );
    bothVerdicts(out);
  });

  it("pseudonymIdOrThrow and normaliseNaturalKeyOrThrow on the pseudonym vectors, mutated (property)", () => {
    const v = vector("pseudonym-v1.json");
    const key = hexToBytes(v.keys.key);
    const inputs: unknown[] = [...v.valid, ...v.invalid].map((c: { input: unknown }) => c.input);
    const out: Outcome[] = [];
    fc.assert(
      fc.property(fc.constantFrom(...inputs), mutation, fc.boolean(), (input, [at, by], short) => {
        const nk = input as pseudonym.NaturalKey;
        const mutated = { ...nk, value: mutate(String(nk.value), at, by) } as pseudonym.NaturalKey;
        const k = short ? key.subarray(0, 8) : key;
        for (const x of [nk, mutated]) {
          out.push(agree(pseudonym.pseudonymId(k, x), () => pseudonym.pseudonymIdOrThrow(k, x)));
          out.push(
            agree(pseudonym.normaliseNaturalKey(x), () => pseudonym.normaliseNaturalKeyOrThrow(x)),
          );
        }
      }),
      { numRuns: 200 },
    );
    bothVerdicts(out);
  });
});

describe("the type-level guard (test/types/plain-forms.ts) covers every entry point", () => {
  it("lists exactly the packages' exports", () => {
    const read = (p: string) => readFileSync(new URL(p, import.meta.url), "utf8");
    const guard = read("../test/types/plain-forms.ts");
    const listed = [...guard.matchAll(/^ {2}"(@daicho\/[^"]+)": typeof import\("\1"\);$/gm)].map(
      (m) => m[1],
    );
    const exported = ["core", "adapters"].flatMap((p) =>
      Object.keys(JSON.parse(read(`../../${p}/package.json`)).exports)
        .filter((k) => k !== "./package.json")
        .map((k) => `@daicho/${p}${k.slice(1)}`),
    );
    expect([...listed].sort()).toEqual([...exported].sort());
  });
});
