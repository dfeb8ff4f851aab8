import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodeEventInput, type EventInput } from "../events/input";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { openPersonalRecorded } from "../recorded-reads";
import { memoryStore } from "../store/memory";
import { crossBorder } from "./cross-border";
import { provisionRecords } from "./provision";
import { receiptRecords } from "./receipt";

const share = (recipient: Record<string, string>): EventInput => ({
  type: "data.shared",
  actor: { id: "admin-sato" },
  subjects: ["c-1"],
  payload: {
    recipient: { kind: "organisation", ...recipient } as never,
    relationship: "third-party",
    legalBasis: "consent",
    fields: ["name"],
    purpose: "partner-offer",
  },
});

describe("countries are decoded, never guessed", () => {
  it("accepts ISO 3166-1 alpha-2 codes and refuses anything else with DECODE_ERROR", () => {
    expect(E.isRight(decodeEventInput(share({ id: "acme-us", country: "US" })))).toBe(true);
    for (const country of ["us", "UK", "EU", "XK", "ZZ", "JPN", "", "日本"]) {
      const r = decodeEventInput(share({ id: "acme-us", country }));
      expect(E.isLeft(r) && r.left.code, country).toBe("DECODE_ERROR");
    }
    const onboard = (country: string) =>
      decodeEventInput({
        type: "actor.onboarded",
        actor: { id: "hr" },
        payload: { actorId: "agent-1", organisation: "agency-manila", country },
      });
    expect(E.isRight(onboard("PH"))).toBe(true);
    expect(E.isLeft(onboard("XX"))).toBe(true);
  });

  it("classifies transfers: APPI Art. 28 from Japan, GDPR Chapter V out of the EEA, unknown when unrecorded", () => {
    expect(crossBorder("JP", "US")).toEqual({
      country: "US",
      abroad: true,
      clauses: ["APPI Art. 28"],
    });
    expect(crossBorder("JP", "JP")).toEqual({ country: "JP", abroad: false, clauses: [] });
    expect(crossBorder("DE", "FR")).toEqual({ country: "FR", abroad: true, clauses: [] });
    expect(crossBorder("DE", "JP")).toEqual({
      country: "JP",
      abroad: true,
      clauses: ["GDPR Chapter V"],
    });
    expect(crossBorder("JP", undefined)).toEqual({ abroad: "unknown", clauses: [] });
  });
});

describe("provision and receipt records show transfers abroad", () => {
  it("provision records say which provisions leave the country", async () => {
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "xb.test/l" });
    await ledger.appendBatch([
      share({ id: "acme-us", country: "US" }),
      share({ id: "tokyo-partner", country: "JP" }),
      share({ id: "somewhere" }),
    ]);
    const { thirdParty } = await provisionRecords(ledger.read(), { homeCountry: "JP" });
    expect(
      thirdParty.map((r) => [r.recipient.id, r.crossBorder?.abroad, r.crossBorder?.clauses]),
    ).toEqual([
      ["acme-us", true, ["APPI Art. 28"]],
      ["tokyo-partner", false, []],
      ["somewhere", "unknown", []],
    ]);
  });

  it("recipient-side records (APPI Art. 30): provider, 取得の経緯, and the provider's name and address sealed, not in clear", async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "receipt.test/l",
      keys: { store: memoryKeyStore(), kek: { id: "kek-1", key: new Uint8Array(32).fill(9) } },
    });
    const name = "株式会社リスト販売";
    const address = "〒150-0002 東京都渋谷区渋谷2-1-1 TEL 03-1234-5678";
    await ledger.append({
      type: "data.received",
      actor: { id: "admin-sato" },
      subjects: ["list-broker-1", "c-7", "c-8"],
      payload: {
        provider: { kind: "organisation", id: "list-broker-1", country: "JP" },
        acquisition: "direct-from-subject",
        acquisitionDetail: "Collected at the broker's trade-fair booth, consent form v2",
        fields: ["name", "phone"],
        purpose: "sales-follow-up",
        recordCount: 2,
      },
      personal: [
        { subject: "list-broker-1", field: "provider.name", value: name },
        { subject: "list-broker-1", field: "provider.address", value: address },
      ],
    });
    // The address as a Note is refused (postal code, phone): it cannot leak into clear text.
    const asNote = decodeEventInput({
      type: "data.received",
      actor: { id: "admin-sato" },
      payload: {
        provider: { kind: "organisation", id: "list-broker-1" },
        acquisition: "direct-from-subject",
        acquisitionDetail: address,
        fields: ["name"],
        purpose: "sales-follow-up",
      },
    });
    expect(E.isLeft(asNote)).toBe(true);
    const [record] = await receiptRecords(ledger.read(), { homeCountry: "JP" });
    expect(record).toMatchObject({
      provider: { kind: "organisation", id: "list-broker-1", country: "JP" },
      acquisition: "direct-from-subject",
      subjects: ["c-7", "c-8"],
      dataItems: ["name", "phone"],
      sealedProviderFields: ["provider.name", "provider.address"],
      crossBorder: { abroad: false },
    });
    const events = [];
    for await (const e of ledger.read()) events.push(e);
    expect(JSON.stringify(events)).not.toContain("渋谷");
    const opened = await openPersonalRecorded(ledger, events[0] as never, {
      actor: { id: "dpo-ito" },
      purpose: "appi-art30-record",
    });
    expect(opened.map((f) => f.value)).toEqual([name, address]);
  });
});
