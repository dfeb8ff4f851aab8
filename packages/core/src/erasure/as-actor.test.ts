import { expect, it } from "vitest";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { erasureService } from "./service";
import { ed25519Signer } from "./signer";

async function setup() {
  const store = memoryStore();
  let read = 0;
  const original = store.read.bind(store);
  store.read = (range) =>
    (async function* () {
      for await (const e of original(range)) {
        read++;
        yield e;
      }
    })();
  const ledger = await openLedger({
    store,
    ledgerId: "as-actor.test/ledger",
    keys: { store: memoryKeyStore(), kek: { id: "kek-1", key: new Uint8Array(32).fill(3) } },
  });
  for (const id of ["contact-1", "contact-2"]) {
    await ledger.append({
      type: "record.created",
      actor: { id: "sales-1" },
      subjects: [id],
      payload: { resource: { type: "contact", id }, fields: ["email"] },
      personal: [{ subject: id, field: "email", value: `${id}@x.example.jp` }],
    });
  }
  const base = erasureService({
    ledger,
    signer: ed25519Signer("as-actor.test/erasure", new Uint8Array(32).fill(4)),
    actor: { id: "daicho-erasure", role: "dpo" },
  });
  return { ledger, base, reads: () => read };
}

it("as(actor) records under that actor and does not fold the ledger from the start again", async () => {
  const { ledger, base, reads } = await setup();
  const r = await base.request("contact-1", { requestedBy: "contact-1", channel: "web-form" });
  await base.openRequests(); // the base view is caught up
  const before = reads();
  const dpo = base.as({ id: "dpo-kato", role: "dpo" });
  const outcome = await dpo.execute(r.requestId);
  expect(outcome.outcome).toBe("erased");
  // No pass from seq 0: only the subject's own events and the events appended since.
  expect(reads() - before).toBeLessThan(((await ledger.head())?.seq ?? 0) + 1);
  const written = [];
  for await (const e of ledger.read({ from: 3 })) written.push([e.type, e.actor.id]);
  expect(written).toEqual([
    ["erasure.fenced", "dpo-kato"],
    ["erasure.completed", "dpo-kato"],
  ]);
  expect((await base.status(r.requestId)).status).toBe("completed"); // one view
});

it("two users executing the same request at once: one erasure, the other already-erased", async () => {
  const { ledger, base } = await setup();
  const r = await base.request("contact-2", { requestedBy: "contact-2", channel: "web-form" });
  const [a, b] = await Promise.all([
    base.as({ id: "dpo-a", role: "dpo" }).execute(r.requestId),
    base.as({ id: "dpo-b", role: "dpo" }).execute(r.requestId),
  ]);
  expect([a.outcome, b.outcome].sort()).toEqual(["already-erased", "erased"]);
  let fences = 0;
  for await (const e of ledger.read()) if (e.type === "erasure.fenced") fences++;
  expect(fences).toBe(1);
});
