/// <reference lib="dom" />
/**
 * Starting the console from a held verified head (`verifiedHead`): the lists match a full
 * pass, the pass reads the type index instead of the ledger, and a held head that does not
 * match the store — wrong hash with the right seq, beyond the store, or an indexed event
 * edited before it — fails closed.
 */
import type { ChainHead, Store } from "@daicho/core";
import Database from "better-sqlite3";
import { beforeEach, describe, expect, it } from "vitest";
import { type Fixture, headSeqOf, postJson, type Work, withSeededFixture } from "./test-fixture";
import { LedgerWatch } from "./watch";

const seeded = withSeededFixture();
let fx: Fixture;
let work: Work;
beforeEach(() => {
  ({ fx, work } = seeded);
});

/** The store, counting the rows `read` hands out. */
function counting(store: Store) {
  const seen = { rows: 0 };
  const proxy = new Proxy(store, {
    get(target, key, receiver) {
      if (key !== "read") return Reflect.get(target, key, receiver);
      return (range: Parameters<Store["read"]>[0]) =>
        (async function* () {
          for await (const row of target.read(range)) {
            seen.rows++;
            yield row;
          }
        })();
    },
  });
  return { store: proxy, seen };
}

const fullHead = async (): Promise<ChainHead> => {
  const report = await (await fx.handler().catchUp())[0];
  if (!report?.ok || report.head === null) throw new Error("full pass failed");
  return report.head;
};

describe("start-up from a held verified head", () => {
  it("folds the same requests, incidents, erasure requests and alerts as a full pass, reading only the head's event", async () => {
    const held = await fullHead();
    const full = new LedgerWatch(fx.ledger.store, fx.ledger.genesis);
    await full.catchUp();
    const { store, seen } = counting(fx.ledger.store);
    const fast = new LedgerWatch(store, fx.ledger.genesis, undefined, held);
    const report = await fast.catchUp();
    expect(report).toMatchObject({ ok: true, head: held });
    expect(seen.rows).toBe(1); // the held head's own event, re-checked
    expect([...fast.requests.values()]).toEqual([...full.requests.values()]);
    expect([...fast.incidents.values()]).toEqual([...full.incidents.values()]);
    expect([...fast.erasure.requests.values()]).toEqual([...full.erasure.requests.values()]);
    expect(fast.alerts).toEqual(full.alerts);
    expect(fast.alertStates.open()).toEqual(full.alertStates.open());
  });

  it("verifies events after the held head as usual, and serves pages and actions", async () => {
    const held = await fullHead();
    const h = fx.handler({ verifiedHead: held });
    await fx.ledger.append({
      type: "record.created",
      actor: { id: "sales-tanaka" },
      subjects: ["contact-0004"],
      payload: { resource: { type: "contact", id: "contact-0004" }, fields: [] },
    });
    const status = await (await fx.call(h, "dpo", "/api/status")).json();
    expect(status.verify).toMatchObject({ ok: true, head: { seq: held.seq + 1 } });
    const items = (await (await fx.call(h, "dpo", "/api/queue")).json()).items;
    expect(items.map((i: { id: string }) => i.id)).toContain(work.accessId);
    const res = await fx.call(
      h,
      "dpo",
      `/api/queue/request/${work.accessId}/verify`,
      postJson({ method: "id-document", version: 1 }),
    );
    expect(res.status).toBe(200);
  });

  it("refuses a held head whose hash is wrong for its seq: head-mismatch, changes refused", async () => {
    const held = await fullHead();
    const h = fx.handler({ verifiedHead: { seq: held.seq, hash: "0".repeat(64) } });
    const status = await (await fx.call(h, "auditor", "/api/status")).json();
    expect(status.verify).toMatchObject({ ok: false, failure: { kind: "head-mismatch" } });
    const before = await headSeqOf(fx);
    const res = await fx.call(
      h,
      "dpo",
      `/api/queue/request/${work.accessId}/verify`,
      postJson({ method: "id-document", version: 1 }),
    );
    expect((await res.json()).error.code).toBe("STORE_CORRUPT");
    expect(await headSeqOf(fx)).toBe(before);
  });

  it("refuses a held head beyond the store's head (a rolled-back store)", async () => {
    const held = await fullHead();
    const h = fx.handler({ verifiedHead: { seq: held.seq + 5, hash: held.hash } });
    const status = await (await fx.call(h, "auditor", "/api/status")).json();
    expect(status.verify).toMatchObject({ ok: false, failure: { kind: "truncated" } });
  });

  it("fails closed when an event read through the type index was edited before the held head", async () => {
    const held = await fullHead();
    const db = new Database(fx.path);
    db.prepare(
      "UPDATE daicho_events SET body = replace(body, 'web-form', 'web-forn') WHERE type = 'request.received'",
    ).run();
    db.close();
    const h = fx.handler({ verifiedHead: held });
    const status = await (await fx.call(h, "auditor", "/api/status")).json();
    expect(status.verify).toMatchObject({ ok: false, failure: { kind: "index-event-corrupt" } });
    const res = await fx.call(h, "dpo", `/api/alerts/alert-0001/acknowledge`, postJson({}));
    expect(res.status).toBe(500);
  });
});
