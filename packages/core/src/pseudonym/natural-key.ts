import { domainToASCII } from "node:url";
import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";

/**
 * A natural key of a data subject, as the host knows it: an e-mail address, a phone
 * number, or any other key of its own (a customer number, a membership number) under a
 * namespace the host names. Never stored: it is the input of `pseudonymId`.
 */
export type NaturalKey =
  | { readonly kind: "email"; readonly value: string }
  | {
      readonly kind: "phone";
      readonly value: string;
      /**
       * The country calling code for a number written nationally (`"81"` for Japan, `"1"`
       * for North America). Without it, the number must be international (`+81 90 …`).
       */
      readonly callingCode?: string;
      /**
       * The national trunk prefix dropped before the calling code is added (default `"0"`:
       * Japan, the UK, Germany, …; `"1"` for North America; `""` for Italy, whose numbers
       * keep their leading zero).
       */
      readonly trunkPrefix?: string;
    }
  | {
      readonly kind: "key";
      /** Which of the host's keys this is (`crm-customer-no`): a label, `[a-z0-9][a-z0-9._:-]{0,63}`. */
      readonly namespace: string;
      /** Used exactly as given: the host normalises its own keys. */
      readonly value: string;
    };

/** A natural key after normalisation: the two strings the pseudonym's HMAC covers. */
export interface NormalisedKey {
  /** `email`, `phone` or `key:<namespace>`. */
  readonly kind: string;
  /** The normalised value (an e-mail with an ASCII lower-case domain, an E.164 number, the key). */
  readonly value: string;
}

const MAX_VALUE = 1024;
const LABEL = /^[a-z0-9][a-z0-9._:-]{0,63}$/;
/** Lone surrogates would be replaced by U+FFFD in UTF-8, making two inputs one. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const SPACE_OR_CONTROL = /[\s\p{Cc}]/u;
const FORMAT_CHARS = /\p{Cf}/gu;
/** Dash variants NFKC leaves alone, read as `-` in phone numbers. */
const DASHES = /[\u2010-\u2015\u2212\u2043\u02d7\ufe58\ufe63\u30fc\uff70]/g;
const DNS_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

const refuse = (path: string, reason: string) =>
  E.left(new DaichoError("DECODE_ERROR", reason, { path: `naturalKey.${path}` }));

/**
 * Normalise a natural key (docs/spec.md §2.3.1). The value is never echoed in an error:
 * it is personal data. E-mail: surrounding white space trimmed, Unicode NFKC (full-width
 * `ｔａｒｏ＠ｅｘａｍｐｌｅ．ｊｐ` becomes ASCII), split at the last `@`, the domain converted
 * to lower-case ASCII (IDNA, UTS #46 as WHATWG URL does; one trailing dot dropped), the
 * local part kept as written (it may be case-sensitive; fold it first if your system does
 * not). Phone: NFKC, format characters removed, dashes, spaces, `.`, `/` and parentheses
 * removed (and a bracketed trunk zero `(0)` after a `+` country code); the result is E.164,
 * `+` and 7 to 15 digits: an international number as written, a national one with
 * `trunkPrefix` dropped once and `+callingCode` added. Key: the value exactly.
 */
export function normaliseNaturalKey(input: NaturalKey): E.Either<DaichoError, NormalisedKey> {
  const raw = input as { kind?: unknown; value?: unknown };
  if (typeof raw !== "object" || raw === null) return refuse("kind", "expected a natural key");
  if (typeof raw.value !== "string" || raw.value.length === 0 || raw.value.length > MAX_VALUE) {
    return refuse("value", `expected a string of 1 to ${MAX_VALUE} UTF-16 code units`);
  }
  if (LONE_SURROGATE.test(raw.value)) return refuse("value", "the value holds a lone surrogate");
  switch (raw.kind) {
    case "email":
      return email(raw.value);
    case "phone":
      return phone(raw.value, input as Extract<NaturalKey, { kind: "phone" }>);
    case "key": {
      const namespace = (input as { namespace?: unknown }).namespace;
      if (typeof namespace !== "string" || !LABEL.test(namespace)) {
        return refuse("namespace", "expected a label: [a-z0-9][a-z0-9._:-]{0,63}");
      }
      return E.right({ kind: `key:${namespace}`, value: raw.value });
    }
    default:
      return refuse("kind", "expected kind: email | phone | key");
  }
}

function email(value: string): E.Either<DaichoError, NormalisedKey> {
  const text = value.trim().normalize("NFKC");
  const at = text.lastIndexOf("@");
  const local = text.slice(0, at);
  let domain = text.slice(at + 1);
  if (at <= 0 || SPACE_OR_CONTROL.test(text)) {
    return refuse("value", "expected an e-mail address: local@domain, no white space inside");
  }
  if (domain.endsWith(".")) domain = domain.slice(0, -1);
  const ascii = domain === "" ? "" : domainToASCII(domain);
  const labels = ascii.split(".");
  if (ascii.length === 0 || ascii.length > 253 || !labels.every((l) => DNS_LABEL.test(l))) {
    return refuse("value", "the e-mail address's domain is not a valid domain name");
  }
  return E.right({ kind: "email", value: `${local}@${ascii}` });
}

function phone(
  value: string,
  options: Extract<NaturalKey, { kind: "phone" }>,
): E.Either<DaichoError, NormalisedKey> {
  let text = value.normalize("NFKC").replace(FORMAT_CHARS, "").replace(DASHES, "-").trim();
  const international = text.startsWith("+");
  if (international) text = text.slice(1).replace(/\(\s*0\s*\)/g, "");
  const digits = text.replace(/[\s\-./()]/g, "");
  if (!/^[0-9]+$/.test(digits)) {
    return refuse(
      "value",
      "expected a phone number: digits, optionally a leading +, spaces, -, ., / and ()",
    );
  }
  let e164: string;
  if (international) {
    e164 = digits;
  } else {
    const { callingCode, trunkPrefix = "0" } = options;
    if (callingCode === undefined) {
      return refuse(
        "callingCode",
        'a number written nationally needs callingCode (e.g. "81" for Japan), or write it internationally (+81 …)',
      );
    }
    if (typeof callingCode !== "string" || !/^[1-9][0-9]{0,2}$/.test(callingCode)) {
      return refuse(
        "callingCode",
        "expected a country calling code: 1 to 3 digits, not starting with 0",
      );
    }
    if (typeof trunkPrefix !== "string" || !/^[0-9]{0,2}$/.test(trunkPrefix)) {
      return refuse("trunkPrefix", "expected a trunk prefix of 0 to 2 digits");
    }
    if (digits.startsWith("00")) {
      return refuse(
        "value",
        "an international call prefix (00 …) is ambiguous: write the number with +",
      );
    }
    e164 =
      callingCode + (digits.startsWith(trunkPrefix) ? digits.slice(trunkPrefix.length) : digits);
  }
  if (e164.length < 7 || e164.length > 15 || e164.startsWith("0")) {
    return refuse("value", "an E.164 phone number has 7 to 15 digits after the +, the first not 0");
  }
  return E.right({ kind: "phone", value: `+${e164}` });
}
