import { describe, expect, it } from "vitest";
import { memoryKeyStore } from "./keys/memory";
import { type Ledger, openLedger } from "./ledger";
import { LEDGER_EVENT_RESOURCE, openPersonalRecorded, readOpenedRecorded } from "./recorded-reads";
import { memoryStore } from "./store/memory";
import { subjectAccess } from "./subject-access/access";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(5) };

async function seeded(): Promise<Ledger> {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "reads.test/l",
    keys: { store: memoryKeyStore(), kek },
  });
  await ledger.append({
    type: "provenance.recorded",
    actor: { id: "import-bot" },
    subjects: ["c-1", "c-2"],
    payload: { source: "card-scan", fields: ["email"] },
    personal: [
      { subject: "c-1", field: "email", value: "hanako@example.jp" },
      { subject: "c-2", field: "email", value: "taro@example.jp" },
    ],
  });
  await ledger.append({
    type: "record.created",
    actor: { id: "crm" },
    subjects: ["c-3"],
    payload: { resource: { type: "contact", id: "c-3" }, fields: ["name"] },
  });
  return ledger;
}

const as = { actor: { id: "console-ito" }, purpose: "dsar-review" };
const types = async (ledger: Ledger) => {
  const out: string[] = [];
  for await (const e of ledger.read()) out.push(e.type);
  return out;
};

describe("reading the ledger's personal values is an access too", () => {
  it("records who opened whose values and why, before returning them", async () => {
    const ledger = await seeded();
    const [first] = await (async () => {
      const xs = [];
      for await (const e of ledger.read({ to: 1 })) xs.push(e);
      return xs;
    })();
    const fields = await openPersonalRecorded(ledger, first as never, as);
    expect(fields.map((f) => f.value)).toEqual(["hanako@example.jp", "taro@example.jp"]);
    const last = [];
    for await (const e of ledger.read({ from: 2 })) last.push(e);
    expect(last).toHaveLength(1);
    expect(last[0]).toMatchObject({
      type: "data.accessed",
      actor: { id: "console-ito", context: { channel: "ledger" } },
      subjects: [{ id: "c-1" }, { id: "c-2" }],
      payload: {
        resource: { type: LEDGER_EVENT_RESOURCE, id: first?.id },
        fields: ["email"],
        purpose: "dsar-review",
        outcome: "allowed",
        action: "read",
      },
    });
    // The subject's own access report shows the read, with who and why.
    const report = await subjectAccess(ledger, "c-1");
    expect(JSON.stringify(report.accesses)).toContain("console-ito");
    expect(JSON.stringify(report.accesses)).toContain("dsar-review");
    // The value itself never lands in the record.
    expect(JSON.stringify(last[0])).not.toContain("hanako");
  });

  it("opens nothing when the read cannot be recorded", async () => {
    const ledger = await seeded();
    const events = [];
    for await (const e of ledger.read()) events.push(e);
    const before = await types(ledger);
    for (const bad of [
      { actor: { id: "console ito" }, purpose: "dsar-review" },
      { actor: { id: "console-ito" }, purpose: "Because I want to" },
      { actor: {}, purpose: "dsar-review" },
    ]) {
      await expect(
        openPersonalRecorded(ledger, events[0] as never, bad as never),
      ).rejects.toMatchObject({
        code: "DECODE_ERROR",
      });
    }
    expect(await types(ledger)).toEqual(before);
    // The store refuses the write (disk full): the values are never decrypted.
    let opened = 0;
    const failing = Object.create(ledger, {
      append: { value: async () => Promise.reject(new Error("disk full")) },
      openPersonal: {
        value: (e: never) => {
          opened++;
          return ledger.openPersonal(e);
        },
      },
    }) as Ledger;
    await expect(openPersonalRecorded(failing, events[0] as never, as)).rejects.toThrow(
      "disk full",
    );
    expect(opened).toBe(0);
  });

  it("readOpenedRecorded records one access per event with personal values, in batches, and stops at the head", async () => {
    const ledger = await seeded();
    const opened = [];
    for await (const e of readOpenedRecorded(ledger, as, {}, { batch: 1 })) opened.push(e);
    // Two events existed when the read began; the records written meanwhile are not read back.
    expect(opened.map((e) => e.seq)).toEqual([0, 1]);
    expect(opened[0]?.fields).toHaveLength(2);
    expect(await types(ledger)).toEqual(["provenance.recorded", "record.created", "data.accessed"]);
  });
});
