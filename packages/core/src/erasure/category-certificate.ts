import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { DaichoError } from "../errors";
import { KeyCopies } from "../events/catalogue";
import { CategoryName } from "../events/categories";
import { FieldName, Id, Nat, strictStruct, Timestamp } from "../events/primitives";
import { throwing } from "../plain";
import {
  type CertificateBody,
  CertificateSignature,
  EventRef,
  signTagged,
  taggedMessage,
  verifyCertificate,
  verifyTagged,
} from "./certificate";
import type { Signer } from "./signer";

/** Domain tag of the signed message of a category erasure certificate (docs/spec.md §10.11). */
export const CATEGORY_CERTIFICATE_TAG = "daicho/category-erasure-certificate/v1";

/**
 * What a category erasure certificate attests (docs/spec.md §10.11), decoded from hostile
 * input with this codec: one category of one subject was crypto-shredded. `keyIds` are
 * the category's keys destroyed; `subjectKeyIds` the subject's own keys, which were not;
 * `fields` the category's fields when it was fenced.
 */
export const CategoryCertificateBody = strictStruct(
  "CategoryErasureCertificateBody",
  {
    v: t.literal(1),
    ledgerId: t.string,
    requestId: Id,
    subject: Id,
    category: CategoryName,
    fields: t.array(FieldName),
    requestedAt: Timestamp,
    dueBy: Timestamp,
    completedAt: Timestamp,
    keyIds: t.array(Id),
    subjectKeyIds: t.array(Id),
    eventsAffected: Nat,
    fence: EventRef,
    completion: EventRef,
  },
  { keyCopies: KeyCopies, kekId: Id },
);
export type CategoryCertificateBody = t.TypeOf<typeof CategoryCertificateBody>;

export const CategoryErasureCertificate = strictStruct("CategoryErasureCertificate", {
  certificate: CategoryCertificateBody,
  signatures: t.array(CertificateSignature),
});
export type CategoryErasureCertificate = t.TypeOf<typeof CategoryErasureCertificate>;

/**
 * The bytes signed: UTF-8(`daicho/category-erasure-certificate/v1`) ‖ 0x00 ‖ UTF-8(RFC
 * 8785 canonical JSON of the body). The tag differs from the subject certificate's, so a
 * signature over one kind never verifies as the other.
 */
export function categoryCertificateMessage(body: CategoryCertificateBody): Uint8Array {
  return taggedMessage(CATEGORY_CERTIFICATE_TAG, body);
}

/** Sign a category certificate body with an Ed25519 `Signer` (the same key as checkpoints). */
export function signCategoryCertificate(
  body: CategoryCertificateBody,
  signer: Signer,
): Promise<CategoryErasureCertificate> {
  return signTagged(CATEGORY_CERTIFICATE_TAG, body, signer);
}

/**
 * Check a category erasure certificate received from anywhere: decode it strictly, then
 * require a valid Ed25519 signature by `publicKey` over its body. Returns the body when it
 * verifies; `SIGNATURE_INVALID` when any byte of the body (the category, a key id) was
 * changed. It does not prove the events exist: check `fence` and `completion` against the
 * ledger (by hash, with a proof of spec §7 when the log is not at hand).
 */
export function verifyCategoryCertificate(
  input: unknown,
  publicKey: Uint8Array,
): E.Either<DaichoError, CategoryCertificateBody> {
  return verifyTagged(CategoryErasureCertificate, CATEGORY_CERTIFICATE_TAG, input, publicKey);
}

/** Plain form of {@link verifyCategoryCertificate}: the body, or throws the `DaichoError`. */
export const verifyCategoryCertificateOrThrow = throwing(verifyCategoryCertificate);

/** A verified certificate of either kind, tagged. */
export type VerifiedErasureCertificate =
  | { readonly kind: "subject"; readonly body: CertificateBody }
  | { readonly kind: "category"; readonly body: CategoryCertificateBody };

/**
 * Verify an erasure certificate of either kind (spec §10.8, §10.11): a body with a
 * `category` member is checked as a category certificate, any other as a subject one.
 * Returns the kind with the verified body, or the `DaichoError` of that kind's check.
 */
export function verifyErasureCertificate(
  input: unknown,
  publicKey: Uint8Array,
): E.Either<DaichoError, VerifiedErasureCertificate> {
  const body = (input as { certificate?: { category?: unknown } } | null)?.certificate;
  if (typeof body === "object" && body !== null && "category" in body) {
    const r = verifyCategoryCertificate(input, publicKey);
    return E.isLeft(r) ? r : E.right({ kind: "category", body: r.right });
  }
  const r = verifyCertificate(input, publicKey);
  return E.isLeft(r) ? r : E.right({ kind: "subject", body: r.right });
}

/** Plain form of {@link verifyErasureCertificate}. */
export const verifyErasureCertificateOrThrow = throwing(verifyErasureCertificate);
