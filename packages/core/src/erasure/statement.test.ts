import { describe, expect, it } from "vitest";
import { isRedacted } from "../crypto/redacted";
import type { LedgerEvent } from "../events/envelope";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { subjectAccess } from "../subject-access/access";
import { erasureService, STATEMENT_FIELD } from "./service";
import { ed25519Signer } from "./signer";

const STATEMENT =
  "Please erase me: 山田花子, hanako@example.jp, 090-1234-5678. もう連絡しないでください。";

async function setup() {
  const store = memoryStore();
  const ledger = await openLedger({
    store,
    ledgerId: "statement.test/l",
    keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(6) } },
  });
  // A subject known only from a payload-only event: it has no data key yet.
  await ledger.append({
    type: "consent.withdrawn",
    actor: { id: "web-form" },
    subjects: ["c-1"],
    payload: {
      purpose: "newsletter",
      evidence: { channel: "web", wordingVersion: "v3", capturedBy: "web-form" },
    },
  });
  const signer = ed25519Signer("statement.test", new Uint8Array(32).fill(7));
  return { store, ledger, erasure: erasureService({ ledger, signer, actor: { id: "dpo-1" } }) };
}

async function requestEvent(ledger: Awaited<ReturnType<typeof setup>>["ledger"]) {
  for await (const e of ledger.read()) if (e.type === "erasure.requested") return e as LedgerEvent;
  throw new Error("no erasure.requested event");
}

async function storedText(store: ReturnType<typeof memoryStore>): Promise<string> {
  let all = "";
  for await (const e of store.read()) all += e.body;
  return all;
}

describe("the requester's statement on an erasure request (issue 11 item 8)", () => {
  it("is sealed under the subject's key: readable to the DPO before erasure, shredded after", async () => {
    const { store, ledger, erasure } = await setup();
    const r = await erasure.request("c-1", {
      requestedBy: "c-1",
      channel: "web-form",
      statement: STATEMENT,
    });
    expect(r).not.toHaveProperty("reason");
    const stored = await storedText(store);
    for (const piece of ["山田花子", "hanako@example.jp", "090-1234-5678", "Please erase me"])
      expect(stored).not.toContain(piece);

    const before = await ledger.openPersonal(await requestEvent(ledger));
    expect(before).toEqual([
      expect.objectContaining({ subject: "c-1", field: STATEMENT_FIELD, value: STATEMENT }),
    ]);
    const report = await subjectAccess(ledger, "c-1");
    expect(report.personalData).toEqual([
      expect.objectContaining({
        field: STATEMENT_FIELD,
        value: STATEMENT,
        eventType: "erasure.requested",
      }),
    ]);

    expect((await erasure.execute(r.requestId)).outcome).toBe("erased");
    const after = await ledger.openPersonal(await requestEvent(ledger));
    expect(after).toHaveLength(1);
    expect(isRedacted(after[0]?.value) && after[0]?.value.reason).toBe("erased");
    expect(await ledger.verify()).toMatchObject({ ok: true });
  });

  it("refuses an empty or oversized statement and a contact-data reason, recording nothing", async () => {
    const { ledger, erasure } = await setup();
    const head = (await ledger.verify()) as { count: number };
    for (const opts of [
      { statement: "" },
      { statement: "x".repeat(4001) },
      { reason: "call me on 090-1234-5678" },
      { reason: "hanako@example.jp" },
    ]) {
      await expect(
        erasure.request("c-1", { requestedBy: "c-1", channel: "web-form", ...opts }),
        JSON.stringify(opts).slice(0, 40),
      ).rejects.toMatchObject({ code: "DECODE_ERROR" });
    }
    expect(await ledger.verify()).toMatchObject({ ok: true, count: head.count });
  });
});
