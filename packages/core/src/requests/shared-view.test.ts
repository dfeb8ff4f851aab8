import { describe, expect, it } from "vitest";
import { incidentsService } from "../incidents/service";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import type { Store } from "../store/store";
import { overrideStore } from "../testing/override-store";
import { requestsService } from "./service";

/** A store counting the rows `read` hands out (a whole-ledger fold reads every row). */
function counting(inner: Store) {
  const seen = { rows: 0 };
  const store = overrideStore(inner, {
    read: (range) =>
      (async function* () {
        for await (const s of inner.read(range)) {
          seen.rows++;
          yield s;
        }
      })(),
  });
  return { store, seen };
}

async function setup() {
  const { store, seen } = counting(memoryStore());
  const ledger = await openLedger({
    store,
    ledgerId: "shared-view.test/l",
    keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(1) } },
  });
  for (let i = 0; i < 50; i++)
    await ledger.append({
      type: "record.created",
      actor: { id: "crm" },
      subjects: [`c-${i}`],
      payload: { resource: { type: "contact", id: `c-${i}` }, fields: [] },
    });
  return { ledger, seen };
}

describe("as(actor): one folded view for every user", () => {
  it("a request service derived with as() records as its actor and does not fold the ledger again", async () => {
    const { ledger, seen } = await setup();
    const base = requestsService({ ledger, actor: { id: "intake", role: "system" } });
    const r = await base.receive("c-1", {
      right: "gdpr.access",
      requestedBy: "c-1",
      channel: "web-form",
    });
    await base.list();
    const before = seen.rows;
    const kato = base.as({ id: "dpo-kato", role: "dpo" });
    await kato.verifyIdentity(r.requestId, { method: "login", verifiedBy: "dpo-kato" });
    // Only the new event is folded (plus the subject's events, read through its index).
    expect(seen.rows - before).toBeLessThanOrEqual(2);
    const head = await ledger.head();
    const last = [];
    for await (const e of ledger.read({ from: head?.seq ?? 0 })) last.push(e);
    expect(last[0]?.actor).toMatchObject({ id: "dpo-kato" });
    // A service made on its own folds the request events only, through the index by type:
    // not one of the 50 other events is read, even on first use (issue 16 item 7).
    const alone = requestsService({ ledger, actor: { id: "dpo-weber", role: "dpo" } });
    const mid = seen.rows;
    expect((await alone.list()).map((x) => x.requestId)).toEqual([r.requestId]);
    expect(seen.rows - mid).toBe(0);
  });

  it("an incident service derived with as() shares the view and the per-incident locks", async () => {
    const { ledger, seen } = await setup();
    const base = incidentsService({ ledger, actor: { id: "intake", role: "system" } });
    const i = await base.detect({
      awareAt: new Date(Date.now() - 1000).toISOString(),
      regimes: ["gdpr"],
      category: "lost-device",
      summary: "A laptop was lost",
    });
    await base.list(); // the one fold, shared by what as() derives
    const before = seen.rows;
    const a = base.as({ id: "dpo-a", role: "dpo" });
    const b = base.as({ id: "dpo-b", role: "dpo" });
    // Two users closing at once: serialised on the shared lock, the second finds it closed.
    const results = await Promise.allSettled([
      a.close(i.incidentId, { finalReport: "Done" }),
      b.close(i.incidentId, { finalReport: "Done too" }),
    ]);
    expect(results.map((x) => x.status).sort()).toEqual(["fulfilled", "rejected"]);
    expect(seen.rows - before).toBeLessThan(10);
  });
});
