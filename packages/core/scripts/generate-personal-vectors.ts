/**
 * Regenerate docs/vectors/personal-v1.json (sealing and key-wrapping vectors with fixed
 * nonces). `npx tsx packages/core/scripts/generate-personal-vectors.ts`. The vector test
 * recomputes every value, so a format change shows as a test failure, not a silent drift.
 */
import { writeFileSync } from "node:fs";
import { framed } from "../src/crypto/encoding";
import { fieldAssociatedData, padValue, sealValue } from "../src/crypto/field-seal";
import { kekCheckValue, wrapDataKey } from "../src/crypto/key-wrap";
import { bytesToHex } from "../src/hash";

const key = Uint8Array.from({ length: 32 }, (_, i) => i);
const kek = { id: "kek-2026-01", key: Uint8Array.from({ length: 32 }, (_, i) => 0xa0 + i) };
const nonce = Uint8Array.from({ length: 24 }, (_, i) => 0x40 + i);
const cases = [
  {
    binding: {
      ledgerId: "crm.example.com/ledger",
      eventId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
      subject: "contact-81f3",
      field: "email",
      keyId: "dk1-00112233445566778899aabbccddeeff",
    },
    value: "hanako.yamada@example.jp",
  },
  {
    binding: {
      ledgerId: "crm.example.com/ledger",
      eventId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b",
      subject: "contact-81f3",
      field: "birthDate",
      keyId: "dk1-00112233445566778899aabbccddeeff",
      keep: "1984",
    },
    value: "1984-05-02",
  },
  {
    binding: {
      ledgerId: "crm.example.com/ledger",
      eventId: "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5c",
      subject: "contact-9a0e",
      field: "note",
      keyId: "dk1-ffeeddccbbaa99887766554433221100",
    },
    value: "会議メモ: 山田様と田中様 — 32バイトを超える長さのメモです。",
  },
];
const out = {
  description:
    "Personal-field sealing vectors (docs/spec.md §10). Key bytes are 0x00..0x1f, nonce 0x40..0x57.",
  dataKeyHex: bytesToHex(key),
  nonceHex: bytesToHex(nonce),
  fields: cases.map((c) => ({
    ...c,
    adHex: bytesToHex(fieldAssociatedData(c.binding)),
    paddedHex: bytesToHex(padValue(c.value)),
    sealed: sealValue(key, c.binding, c.value, nonce),
  })),
  wrap: {
    kekId: kek.id,
    kekHex: bytesToHex(kek.key),
    keyId: "dk1-00112233445566778899aabbccddeeff",
    subject: "contact-81f3",
    adHex: bytesToHex(
      framed("daicho/key-wrap/v1", [
        "dk1-00112233445566778899aabbccddeeff",
        "contact-81f3",
        kek.id,
      ]),
    ),
    wrappedHex: bytesToHex(
      wrapDataKey(
        kek,
        { keyId: "dk1-00112233445566778899aabbccddeeff", subject: "contact-81f3", kekId: kek.id },
        key,
        nonce,
      ),
    ),
    kekCheckHex: bytesToHex(kekCheckValue(kek, nonce)),
  },
};
writeFileSync(
  new URL("../../../docs/vectors/personal-v1.json", import.meta.url),
  `${JSON.stringify(out, null, 2)}\n`,
);
