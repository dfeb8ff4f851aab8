import { bytesToHex } from "@noble/hashes/utils.js";
import * as E from "fp-ts/lib/Either.js";
import { toBase64Url } from "../crypto/encoding";
import { fieldAssociatedData, sealValue } from "../crypto/field-seal";
import { categoryKeySubject, keyIdCategory } from "../keys/categories";
import {
  type CategoryCertificateBody,
  type CategoryErasureCertificate,
  categoryCertificateMessage,
  signCategoryCertificate,
  verifyErasureCertificate,
} from "./category-certificate";
import { CERTIFICATE_TAG, taggedMessage } from "./certificate";
import { ed25519Signer } from "./signer";

/** The vectors' fixed signing seed and data key. Never use these. */
export const CATEGORY_VECTOR_KEYS = {
  signerSeed: Uint8Array.from({ length: 32 }, (_, i) => 0x40 + i),
  dataKey: Uint8Array.from({ length: 32 }, (_, i) => 0x10 + i),
  nonce: Uint8Array.from({ length: 24 }, (_, i) => 0xa0 + i),
};

const KEY_ID = "dkc1-marketing-00112233445566778899aabbccddeeff";
const SUBJECT_KEY_ID = "dk1-ffeeddccbbaa99887766554433221100";
const HASH = (c: string) => c.repeat(64);

const BODY: CategoryCertificateBody = {
  v: 1,
  ledgerId: "crm.example.com/ledger",
  requestId: "er-0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
  subject: "contact-81f3",
  category: "marketing",
  fields: ["interests", "newsletterOptIn"],
  requestedAt: "2026-03-02T10:00:00.000Z",
  dueBy: "2026-04-02T10:00:00.000Z",
  completedAt: "2026-03-03T09:30:00.000Z",
  keyIds: [KEY_ID],
  subjectKeyIds: [SUBJECT_KEY_ID],
  eventsAffected: 2,
  fence: { seq: 41, id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a60", hash: HASH("a") },
  completion: { seq: 42, id: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a61", hash: HASH("b") },
  keyCopies: "none",
} as CategoryCertificateBody;

/** A negative case: the certificate (or a raw input) a verifier must refuse, with the code. */
type Negative = { name: string; certificate: unknown; code: string };

function edited(cert: CategoryErasureCertificate, edit: (c: Record<string, unknown>) => void) {
  const copy = JSON.parse(JSON.stringify(cert)) as { certificate: Record<string, unknown> };
  edit(copy.certificate);
  return copy;
}

/**
 * docs/vectors/category-erasure-v1.json (spec §10.11): a category key id and its
 * key-store holder, a value sealed under a category key (the AD and ciphertext, which the
 * rules of §10.3–10.4 fix), a signed category erasure certificate with its signed bytes,
 * and certificates a verifier must refuse.
 */
export async function buildCategoryVectors(): Promise<Record<string, unknown>> {
  const signer = ed25519Signer("crm.example.com/erasure", CATEGORY_VECTOR_KEYS.signerSeed);
  const certificate = await signCategoryCertificate(BODY, signer);
  const binding = {
    ledgerId: BODY.ledgerId,
    eventId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
    subject: BODY.subject,
    field: "interests",
    keyId: KEY_ID,
  };
  const sealed = sealValue(
    CATEGORY_VECTOR_KEYS.dataKey,
    binding,
    "golf",
    CATEGORY_VECTOR_KEYS.nonce,
  );
  const subjectSigned = {
    certificate: BODY,
    signatures: [
      {
        ...certificate.signatures[0],
        signature: toBase64Url(await signer.sign(taggedMessage(CERTIFICATE_TAG, BODY))),
      },
    ],
  };
  const negatives: Negative[] = [
    {
      name: "category edited to another declared category",
      certificate: edited(certificate, (c) => {
        c.category = "profile";
      }),
      code: "SIGNATURE_INVALID",
    },
    {
      name: "a destroyed key id dropped",
      certificate: edited(certificate, (c) => {
        c.keyIds = [];
      }),
      code: "SIGNATURE_INVALID",
    },
    {
      name: "fence hash edited",
      certificate: edited(certificate, (c) => {
        c.fence = { ...(c.fence as object), hash: HASH("c") };
      }),
      code: "SIGNATURE_INVALID",
    },
    {
      name: "signed under the subject certificate's tag",
      certificate: subjectSigned,
      code: "SIGNATURE_INVALID",
    },
    {
      name: "category name not a CategoryName",
      certificate: edited(certificate, (c) => {
        c.category = "Marketing";
      }),
      code: "DECODE_ERROR",
    },
    {
      name: "subjectKeyIds missing",
      certificate: edited(certificate, (c) => {
        delete c.subjectKeyIds;
      }),
      code: "DECODE_ERROR",
    },
    {
      name: "unknown member",
      certificate: edited(certificate, (c) => {
        c.note = "x";
      }),
      code: "DECODE_ERROR",
    },
  ];
  for (const n of negatives) {
    const r = verifyErasureCertificate(n.certificate, signer.publicKey);
    if (E.isRight(r) || r.left.code !== n.code)
      throw new Error(`vector "${n.name}" is not refused`);
  }
  return {
    description:
      "Erasure by category (docs/spec.md §10.11): category key ids, a value sealed under a category key, a signed category erasure certificate, and certificates a verifier must refuse. Keys are fixed test values: never use them.",
    keys: {
      signerSeed: bytesToHex(CATEGORY_VECTOR_KEYS.signerSeed),
      publicKey: bytesToHex(signer.publicKey),
      dataKey: bytesToHex(CATEGORY_VECTOR_KEYS.dataKey),
    },
    keyIds: [
      {
        keyId: KEY_ID,
        category: "marketing",
        holder: categoryKeySubject(BODY.subject, "marketing"),
      },
      { keyId: SUBJECT_KEY_ID, category: null },
      { keyId: "dkc1-Marketing-00112233445566778899aabbccddeeff", category: null },
      { keyId: "dkc1-marketing-0011223344", category: null },
    ].map((k) => {
      if ((keyIdCategory(k.keyId) ?? null) !== k.category) throw new Error(`key id ${k.keyId}`);
      return k;
    }),
    sealed: {
      binding,
      value: "golf",
      nonceHex: bytesToHex(CATEGORY_VECTOR_KEYS.nonce),
      associatedData: bytesToHex(fieldAssociatedData(binding)),
      ...sealed,
    },
    certificate,
    signedMessage: bytesToHex(categoryCertificateMessage(BODY)),
    negatives,
  };
}
