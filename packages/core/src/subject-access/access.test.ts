import { describe, expect, it } from "vitest";
import { erasureService } from "../erasure/service";
import { ed25519Signer } from "../erasure/signer";
import { isDaichoError } from "../errors";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { subjectAccess } from "./access";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(3) };

async function seeded() {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "sar.test/l",
    keys: { store: memoryKeyStore(), kek },
  });
  await ledger.append({
    type: "provenance.recorded",
    actor: { id: "import-bot" },
    subjects: ["c-1"],
    payload: { source: "card-scan", fields: ["email", "birthDate"], reference: "scan-77" },
    personal: [
      { subject: "c-1", field: "email", value: "hanako@example.jp" },
      { subject: "c-1", field: "birthDate", value: "1984-05-02", keep: "1984" },
    ],
  });
  await ledger.append({
    type: "consent.granted",
    actor: { id: "web-form" },
    subjects: ["c-1"],
    payload: {
      purpose: "newsletter",
      lawfulBasis: "consent",
      evidence: { channel: "web", wordingVersion: "v3", capturedBy: "web-form" },
    },
  });
  await ledger.append({
    type: "data.accessed",
    actor: { id: "sales-4", role: "sales" },
    subjects: ["c-1", "c-2"],
    payload: {
      resource: { type: "contact", id: "c-1" },
      fields: ["email"],
      purpose: "sales-follow-up",
      outcome: "allowed",
    },
    personal: [
      { subject: "c-1", field: "note", value: "prefers mornings" },
      { subject: "c-2", field: "note", value: "other person's secret" },
    ],
  });
  await ledger.append({
    type: "data.shared",
    actor: { id: "sales-4" },
    subjects: ["c-1"],
    payload: {
      recipient: { kind: "organisation", id: "agency-2" },
      relationship: "entrusted",
      legalBasis: "contract",
      fields: ["email"],
      purpose: "delivery",
    },
  });
  await ledger.append({
    type: "consent.withdrawn",
    actor: { id: "web-form" },
    subjects: ["c-1"],
    payload: {
      purpose: "newsletter",
      evidence: { channel: "web", wordingVersion: "v3", capturedBy: "web-form" },
    },
  });
  return ledger;
}

describe("subjectAccess", () => {
  it("returns the subject's decrypted values, consents, accesses, disclosures and sources — and nobody else's", async () => {
    const ledger = await seeded();
    const report = await subjectAccess(ledger, "c-1", {
      clock: () => new Date("2026-11-25T00:00:00Z"),
    });
    expect(report.format).toBe("daicho/subject-access/v1");
    expect(report.personalData.map((p) => [p.field, p.value])).toEqual([
      ["email", "hanako@example.jp"],
      ["birthDate", "1984-05-02"],
      ["note", "prefers mornings"],
    ]);
    expect(report.consents.current).toMatchObject([{ purpose: "newsletter", status: "withdrawn" }]);
    expect(report.consents.history).toHaveLength(2);
    expect(report.accesses).toMatchObject([
      { actor: "sales-4", role: "sales", purpose: "sales-follow-up", fields: ["email"] },
    ]);
    expect(report.disclosures[0]?.detail).toMatchObject({
      recipient: { id: "agency-2" },
      relationship: "entrusted",
    });
    expect(report.sources[0]?.detail).toMatchObject({ source: "card-scan" });
    expect(report.events).toHaveLength(5);
    const text = JSON.stringify(report);
    expect(text).not.toContain("other person's secret");
    expect(text).not.toContain('"c-2"');
  });

  it("shows erased values as redacted with their keep part, and records the answer when asked", async () => {
    const ledger = await seeded();
    const erasure = erasureService({
      ledger,
      signer: ed25519Signer("t", new Uint8Array(32).fill(1)),
      actor: { id: "dpo" },
    });
    const r = await erasure.request("c-1", { requestedBy: "c-1", channel: "email" });
    await erasure.execute(r.requestId);
    const report = await subjectAccess(ledger, "c-1", { recordAs: { id: "dpo" } });
    expect(report.erased).toBe(true);
    expect(
      report.personalData.every((p) => p.value === null && p.redacted?.reason === "erased"),
    ).toBe(true);
    expect(report.personalData.find((p) => p.field === "birthDate")?.redacted?.keep).toBe("1984");
    expect(report.erasureRequests[0]?.status).toBe("completed");
    const next = await subjectAccess(ledger, "c-1");
    expect(next.exports).toMatchObject([{ actor: "dpo", purpose: "subject-access" }]);
    const other = await subjectAccess(ledger, "c-2");
    expect(other.personalData.map((p) => p.value)).toEqual(["other person's secret"]);
  });

  it("rejects an unknown subject with NOT_FOUND", async () => {
    const ledger = await seeded();
    expect(isDaichoError(await subjectAccess(ledger, "c-404").catch((e) => e), "NOT_FOUND")).toBe(
      true,
    );
  });
});
