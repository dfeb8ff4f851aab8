import * as t from "io-ts";
import { Country } from "./country";
import { boundedList, FieldName, Id, Label, Nat, Note, strictStruct } from "./primitives";

/**
 * Receiving personal data from a third party (APPI Art. 30, the recipient's duty to
 * confirm and record): who provided it, how the provider obtained it (取得の経緯), which
 * items about which people, for what. The provider's **name and address** are not
 * payload members: they travel in the event's sealed `personal` section as fields
 * `provider.name` and `provider.address`, with the provider's id as their subject. A
 * person provider's name and address are personal data; a company's are not, but a
 * company address carries a postal code and often a phone number, which the Note screen
 * refuses, and one rule for both kinds is simpler to audit. The data subjects received are
 * the envelope's other subjects.
 */
export const DataReceived = strictStruct(
  "DataReceived",
  {
    provider: strictStruct(
      "Provider",
      { kind: t.keyof({ organisation: null, person: null }), id: Id },
      { country: Country },
    ),
    /** How the provider obtained the data (取得の経緯), as a label: `direct-from-subject`, `public-sources`, … */
    acquisition: Label,
    fields: boundedList(FieldName, 256, "FieldNames"),
    purpose: Label,
  },
  { acquisitionDetail: Note, recordCount: Nat, contractRef: Id },
);

/** Sealed field names that carry the provider's identity on `data.received`. */
export const PROVIDER_FIELDS = ["provider.name", "provider.address"] as const;

/** The codec above keyed by event type, spread into the catalogue. */
export const RECEIPT_PAYLOADS = { "data.received": DataReceived } as const;
