import { bytesToHex } from "@noble/hashes/utils.js";
import * as E from "fp-ts/lib/Either.js";
import { type NaturalKey, normaliseNaturalKey } from "./natural-key";
import { pseudonymId, pseudonymMessage } from "./pseudonym";

/** Two fixed keys: the vectors' key and the one after a rotation. Never use these. */
export const VECTOR_KEYS = {
  key: Uint8Array.from({ length: 32 }, (_, i) => i),
  rotated: Uint8Array.from({ length: 32 }, (_, i) => 0x80 + i),
};

const VALID: readonly { name: string; key?: keyof typeof VECTOR_KEYS; input: NaturalKey }[] = [
  { name: "e-mail address", input: { kind: "email", value: "hanako.yamada@example.jp" } },
  {
    name: "e-mail: domain lower-cased, white space around trimmed, local part kept",
    input: { kind: "email", value: "  Hanako.Yamada@Example.JP " },
  },
  {
    name: "e-mail typed in full-width characters (NFKC)",
    input: { kind: "email", value: "ｈａｎａｋｏ．ｙａｍａｄａ＠ｅｘａｍｐｌｅ．ｊｐ" },
  },
  {
    name: "e-mail: internationalised domain to ASCII",
    input: { kind: "email", value: "taro@例え.JP" },
  },
  {
    name: "e-mail: one trailing dot of the domain dropped",
    input: { kind: "email", value: "taro@xn--r8jz45g.jp." },
  },
  { name: "e-mail: the last @ splits", input: { kind: "email", value: '"a@b"@example.com' } },
  { name: "phone, international", input: { kind: "phone", value: "+81 90-1234-5678" } },
  { name: "phone, bracketed trunk zero", input: { kind: "phone", value: "+81 (0)90 1234 5678" } },
  {
    name: "phone, national with the country's calling code",
    input: { kind: "phone", value: "090-1234-5678", callingCode: "81" },
  },
  {
    name: "phone, full-width digits and a long vowel mark as the dash",
    input: { kind: "phone", value: "０９０ー１２３４ー５６７８", callingCode: "81" },
  },
  {
    name: "phone, North America (trunk prefix 1)",
    input: { kind: "phone", value: "1 (202) 555-0123", callingCode: "1", trunkPrefix: "1" },
  },
  {
    name: "phone, Italy keeps its leading zero (empty trunk prefix)",
    input: { kind: "phone", value: "06 1234 5678", callingCode: "39", trunkPrefix: "" },
  },
  {
    name: "host key in its namespace, used exactly",
    input: { kind: "key", namespace: "crm-customer-no", value: "C-000123" },
  },
  {
    name: "the same value under another namespace is another subject",
    input: { kind: "key", namespace: "loyalty-card", value: "C-000123" },
  },
  {
    name: "the same e-mail address under the rotated key",
    key: "rotated",
    input: { kind: "email", value: "hanako.yamada@example.jp" },
  },
];

const INVALID: readonly { name: string; input: unknown }[] = [
  { name: "no @", input: { kind: "email", value: "hanako.example.jp" } },
  { name: "empty local part", input: { kind: "email", value: "@example.jp" } },
  { name: "white space inside", input: { kind: "email", value: "hanako yamada@example.jp" } },
  { name: "empty domain label", input: { kind: "email", value: "hanako@example..jp" } },
  {
    name: "national number without a calling code",
    input: { kind: "phone", value: "090-1234-5678" },
  },
  { name: "letters in a phone number", input: { kind: "phone", value: "+81 90 1234 5678 ext 9" } },
  { name: "too few digits", input: { kind: "phone", value: "+81 12" } },
  { name: "more than 15 digits", input: { kind: "phone", value: "+81 9012 3456 7890 12" } },
  {
    name: "international call prefix",
    input: { kind: "phone", value: "0081-90-1234-5678", callingCode: "81" },
  },
  {
    name: "calling code with a leading zero",
    input: { kind: "phone", value: "0901234567", callingCode: "081" },
  },
  {
    name: "namespace that is not a label",
    input: { kind: "key", namespace: "Customer No", value: "1" },
  },
  { name: "empty value", input: { kind: "key", namespace: "crm", value: "" } },
  { name: "lone surrogate", input: { kind: "key", namespace: "crm", value: "a\ud800b" } },
  { name: "unknown kind", input: { kind: "name", value: "Yamada Hanako" } },
];

/**
 * docs/vectors/pseudonym-v1.json: natural keys with their normalised form, the HMAC
 * message (hex), and the pseudonym id under a fixed key; natural keys a writer MUST
 * refuse. Deterministic.
 */
export function buildPseudonymVectors(): Record<string, unknown> {
  return {
    description:
      "Pseudonym subject ids (docs/spec.md §2.3.1): normalise the natural key, message = UTF-8(tag) || 0x00 || UTF-8(kind) || 0x00 || UTF-8(value), id = prefix || base32-lower-nopad(HMAC-SHA-256(key, message)[0..20]).",
    tag: "daicho/pseudonym/v1",
    prefix: "ps1-",
    keys: { key: bytesToHex(VECTOR_KEYS.key), rotated: bytesToHex(VECTOR_KEYS.rotated) },
    valid: VALID.map((c) => {
      const n = normaliseNaturalKey(c.input);
      const id = pseudonymId(VECTOR_KEYS[c.key ?? "key"], c.input);
      if (E.isLeft(n) || E.isLeft(id)) throw new Error(`vector ${c.name} does not build`);
      return {
        name: c.name,
        key: c.key ?? "key",
        input: c.input,
        normalised: n.right,
        message: bytesToHex(pseudonymMessage(n.right)),
        id: id.right,
      };
    }),
    invalid: INVALID.map((c) => {
      const n = normaliseNaturalKey(c.input as NaturalKey);
      if (E.isRight(n)) throw new Error(`invalid vector ${c.name} normalises`);
      return { name: c.name, input: c.input, path: n.left.path };
    }),
  };
}
