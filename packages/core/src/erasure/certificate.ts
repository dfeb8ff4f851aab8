import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import { canonicalizeOrThrow } from "../canonical";
import { fromBase64Url, toBase64Url, utf8 } from "../crypto/encoding";
import { decodeWith } from "../decode";
import { DaichoError } from "../errors";
import { KeyCopies } from "../events/catalogue";
import { Hash256, Id, Nat, strictStruct, Timestamp } from "../events/primitives";
import { throwing } from "../plain";
import { ed25519Verify, type Signer } from "./signer";

/** Domain tag of the signed message (docs/spec.md §10.8). */
export const CERTIFICATE_TAG = "daicho/erasure-certificate/v1";

/** An event named by sequence number, id and hash. */
export const EventRef = strictStruct("EventRef", { seq: Nat, id: Id, hash: Hash256 });

/**
 * What an erasure certificate attests, decoded from hostile input with this codec.
 * `keyCopies` and `kekId` (docs/spec.md §10.8) say whether copies of the destroyed keys
 * may still unwrap; they are absent from certificates of completions recorded before.
 */
export const CertificateBody = strictStruct(
  "ErasureCertificateBody",
  {
    v: t.literal(1),
    ledgerId: t.string,
    requestId: Id,
    subject: Id,
    requestedAt: Timestamp,
    dueBy: Timestamp,
    completedAt: Timestamp,
    keyIds: t.array(Id),
    eventsAffected: Nat,
    fence: EventRef,
    completion: EventRef,
  },
  { keyCopies: KeyCopies, kekId: Id },
);
export type CertificateBody = t.TypeOf<typeof CertificateBody>;

/** One signature of a certificate: `{ name, alg: "ed25519", publicKey, signature }` (base64url). */
export const CertificateSignature = strictStruct("CertificateSignature", {
  name: t.string,
  alg: t.literal("ed25519"),
  publicKey: t.string,
  signature: t.string,
});

export const ErasureCertificate = strictStruct("ErasureCertificate", {
  certificate: CertificateBody,
  signatures: t.array(CertificateSignature),
});
export type ErasureCertificate = t.TypeOf<typeof ErasureCertificate>;

/**
 * The bytes signed: UTF-8(`daicho/erasure-certificate/v1`) ‖ 0x00 ‖ UTF-8(RFC 8785
 * canonical JSON of the certificate body). Anyone can recompute them from the JSON.
 */
export function certificateMessage(body: CertificateBody): Uint8Array {
  return taggedMessage(CERTIFICATE_TAG, body);
}

/** UTF-8(`tag`) ‖ 0x00 ‖ UTF-8(RFC 8785 canonical JSON of `body`): what a certificate signs. */
export function taggedMessage(tag: string, body: unknown): Uint8Array {
  return taggedBytes(utf8(tag), utf8(canonicalizeOrThrow(body)));
}

function taggedBytes(tag: Uint8Array, json: Uint8Array): Uint8Array {
  const out = new Uint8Array(tag.length + 1 + json.length);
  out.set(tag, 0);
  out.set(json, tag.length + 1);
  return out;
}

/**
 * Sign a certificate body with an Ed25519 `Signer` (the same kind of key that signs
 * checkpoints). The certificate names the fence and completion events by sequence
 * number and hash, so an auditor can check it against the ledger and its proofs.
 */
export async function signCertificate(
  body: CertificateBody,
  signer: Signer,
): Promise<ErasureCertificate> {
  return signTagged(CERTIFICATE_TAG, body, signer);
}

/** Sign `body` under `tag` (see {@link taggedMessage}) into `{ certificate, signatures }`. */
export async function signTagged<B>(
  tag: string,
  body: B,
  signer: Signer,
): Promise<{ certificate: B; signatures: t.TypeOf<typeof CertificateSignature>[] }> {
  const signature = await signer.sign(taggedMessage(tag, body));
  return {
    certificate: body,
    signatures: [
      {
        name: signer.name,
        alg: "ed25519",
        publicKey: toBase64Url(signer.publicKey),
        signature: toBase64Url(signature),
      },
    ],
  };
}

/**
 * Check a certificate received from anywhere: decode it strictly, then require a valid
 * Ed25519 signature by `publicKey` over its body. Returns the body when it verifies.
 * It does not prove the events exist: check `fence` and `completion` against the ledger.
 */
export function verifyCertificate(
  input: unknown,
  publicKey: Uint8Array,
): E.Either<DaichoError, CertificateBody> {
  return verifyTagged(ErasureCertificate, CERTIFICATE_TAG, input, publicKey);
}

/**
 * Decode `input` strictly with `codec`, then require a valid Ed25519 signature by
 * `publicKey` over `tag` and the body (see {@link taggedMessage}). Returns the body.
 */
export function verifyTagged<B>(
  codec: t.Type<{ certificate: B; signatures: t.TypeOf<typeof CertificateSignature>[] }, unknown>,
  tag: string,
  input: unknown,
  publicKey: Uint8Array,
): E.Either<DaichoError, B> {
  const decoded = decodeWith(codec, input);
  if (E.isLeft(decoded)) return decoded;
  const message = taggedMessage(tag, decoded.right.certificate);
  for (const s of decoded.right.signatures) {
    const sig = fromBase64Url(s.signature);
    const pk = fromBase64Url(s.publicKey);
    if (sig === undefined || pk === undefined || pk.length !== publicKey.length) continue;
    if (!pk.every((b, i) => b === publicKey[i])) continue;
    if (ed25519Verify(sig, message, publicKey)) return E.right(decoded.right.certificate);
  }
  return E.left(
    new DaichoError("SIGNATURE_INVALID", "no valid Ed25519 signature by the given key"),
  );
}

/**
 * Plain form of {@link verifyCertificate} (no fp-ts needed): returns the certificate body
 * when the signature verifies, or throws the `DaichoError`.
 */
export const verifyCertificateOrThrow = throwing(verifyCertificate);
