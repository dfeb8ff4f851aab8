/// <reference lib="dom" />
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  EMAIL,
  eventsSinceOf,
  type Fixture,
  headSeqOf,
  openFixture,
  postJson,
} from "./test-fixture";

let fx: Fixture;
beforeEach(async () => {
  fx = await openFixture();
});
afterEach(async () => {
  await fx.close();
});

const headSeq = () => headSeqOf(fx);
const eventsSince = (seq: number) => eventsSinceOf(fx, seq);
const post = postJson;
const openIds = async (h: ReturnType<Fixture["handler"]>) =>
  (await (await fx.call(h, "auditor", "/api/alerts?open=1")).json()).alerts.map(
    (a: { alertId: string }) => a.alertId,
  );

describe("alerts: acknowledge and resolve from the console", () => {
  it("the DPO acknowledges: recorded as alert.acknowledged naming them, and the alert leaves the open list", async () => {
    const h = fx.handler();
    expect(await openIds(h)).toEqual(["alert-0001"]);
    const before = await headSeq();
    const res = await fx.call(
      h,
      "dpo",
      "/api/alerts/alert-0001/acknowledge",
      post({ note: "Checking with the sales lead" }),
    );
    expect(res.status).toBe(200);
    const written = await eventsSince(before);
    expect(written).toHaveLength(1);
    expect(written[0]).toMatchObject({
      type: "alert.acknowledged",
      actor: { id: "dpo-kato" },
      payload: { alertId: "alert-0001", acknowledgedBy: "dpo-kato" },
    });
    expect(await openIds(h)).toEqual([]);
    const detail = await (await fx.call(h, "auditor", "/api/alerts/alert-0001")).json();
    expect(detail.alert).toMatchObject({ open: false, acknowledged: { by: "dpo-kato" } });
    const resolved = await fx.call(
      h,
      "dpo",
      "/api/alerts/alert-0001/resolve",
      post({ resolution: "false-positive" }),
    );
    expect(resolved.status).toBe(200);
    const after = await (await fx.call(h, "auditor", "/api/alerts/alert-0001")).json();
    expect(after.alert.resolved).toMatchObject({ by: "dpo-kato", resolution: "false-positive" });
  });

  it("auditor and support cannot acknowledge or resolve: 403 server-side, recorded, alert still open", async () => {
    const h = fx.handler();
    const before = await headSeq();
    for (const [user, path, body] of [
      ["auditor", "acknowledge", {}],
      ["support", "acknowledge", {}],
      ["auditor", "resolve", { resolution: "remediated" }],
    ] as const)
      expect((await fx.call(h, user, `/api/alerts/alert-0001/${path}`, post(body))).status).toBe(
        403,
      );
    const written = await eventsSince(before);
    expect(written.map((e) => e.type)).toEqual(["data.accessed", "data.accessed", "data.accessed"]);
    expect(await openIds(h)).toEqual(["alert-0001"]);
  });

  it("two acknowledgements at once record one; a second later is refused and records nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const [a, b] = await Promise.all([
      fx.call(h, "dpo", "/api/alerts/alert-0001/acknowledge", post({})),
      fx.call(h, "dpo", "/api/alerts/alert-0001/acknowledge", post({})),
    ]);
    expect([a.status, b.status].sort()).toEqual([200, 400]);
    expect((await eventsSince(before)).map((e) => e.type)).toEqual(["alert.acknowledged"]);
    const mid = await headSeq();
    expect((await fx.call(h, "dpo", "/api/alerts/alert-0001/acknowledge", post({}))).status).toBe(
      400,
    );
    expect(await headSeq()).toBe(mid);
  });

  it("refuses hostile input with a typed error and changes nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const cases: [string, unknown, number][] = [
      ["/api/alerts/alert-0001/resolve", { resolution: "ignored-it" }, 400],
      ["/api/alerts/alert-0001/resolve", {}, 400],
      ["/api/alerts/alert-0001/acknowledge", { note: `Mail ${EMAIL}` }, 400],
      ["/api/alerts/alert-0001/acknowledge", { by: "someone-else" }, 400],
      ["/api/alerts/alert-0001/delete", {}, 404],
      ["/api/alerts/no-such-alert/acknowledge", {}, 404],
      ["/api/alerts/%ZZ/acknowledge", {}, 400],
    ];
    for (const [path, body, status] of cases) {
      const res = await fx.call(h, "dpo", path, post(body));
      expect(res.status, path).toBe(status);
      expect(JSON.stringify(await res.json())).not.toContain(EMAIL);
    }
    expect((await fx.call(h, "auditor", "/api/alerts?open=yes")).status).toBe(400);
    expect(await headSeq()).toBe(before);
  });
});
