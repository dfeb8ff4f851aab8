import { describe, expect, it } from "vitest";
import { denialsOf, dpoOnly, eventsOf, setup } from "./test-fixture";

const RIGHTS = ["gdpr.access", "gdpr.rectification", "appi.disclosure"] as const;

describe("dsrHandler: requests for every right", () => {
  it("lets a data subject file and follow its own request, and staff work it to completion", async () => {
    const { ledger, call } = await setup({ authorize: dpoOnly, requestRights: [...RIGHTS] });
    const created = await call("POST", "/dsr/subjects/c-1/requests", "alice", {
      body: { right: "appi.disclosure", statement: "開示を請求します" },
    });
    expect(created.status).toBe(201);
    const { requestId, dueBy, requestedBy, channel } = created.json();
    expect([requestedBy, channel, typeof dueBy]).toEqual(["person-c-1", "web-form", "string"]);
    expect((await call("GET", `/dsr/requests/${requestId}`, "alice")).json().status).toBe("open");
    expect((await call("GET", "/dsr/requests", "dpo")).json().requests).toHaveLength(1);

    const verified = await call("POST", `/dsr/requests/${requestId}/verify-identity`, "dpo", {
      body: { method: "login" },
    });
    expect(verified.json().identity).toMatchObject({ method: "login", verifiedBy: "dpo-1" });
    await call("GET", "/dsr/subjects/c-1/access", "dpo"); // records the export to the person
    const exported = (await eventsOf(ledger)).filter((e) => e.type === "data.exported").at(-1);
    const done = await call("POST", `/dsr/requests/${requestId}/complete`, "dpo", {
      body: { outcome: "answered", evidence: [exported?.id] },
    });
    expect(done.status).toBe(200);
    expect(done.json().status).toBe("completed");
    const again = await call("POST", `/dsr/requests/${requestId}/refuse`, "dpo", {
      body: { ground: "no-data", reason: "nothing held" },
    });
    expect(again.status).toBe(409);
    expect(again.json().error.code).toBe("REQUEST_CLOSED");
  });

  it("refuses another subject's request, staff steps by a data subject or by staff without authorize", async () => {
    const { ledger, call } = await setup({ authorize: dpoOnly, requestRights: [...RIGHTS] });
    const mine = (
      await call("POST", "/dsr/subjects/c-1/requests", "alice", { body: { right: "gdpr.access" } })
    ).json();
    expect(
      (await call("POST", "/dsr/subjects/c-1/requests", "bob", { body: { right: "gdpr.access" } }))
        .status,
    ).toBe(403);
    expect((await call("GET", `/dsr/requests/${mine.requestId}`, "bob")).status).toBe(403);
    expect(
      (
        await call("POST", `/dsr/requests/${mine.requestId}/verify-identity`, "alice", {
          body: { method: "login" },
        })
      ).status,
    ).toBe(403);
    expect((await call("GET", "/dsr/requests", "alice")).status).toBe(403);
    expect((await call("GET", "/dsr/requests", "intern")).status).toBe(403);
    expect((await call("GET", `/dsr/requests/${mine.requestId}/recipients`, "intern")).status).toBe(
      403,
    );
    expect((await denialsOf(ledger)).length).toBeGreaterThanOrEqual(6);

    const noAuthorize = await setup({ requestRights: [...RIGHTS] });
    expect((await noAuthorize.call("GET", "/dsr/requests", "dpo")).status).toBe(403);
  });

  it("takes no request without offered rights, and refuses host-only or unknown members", async () => {
    const closed = await setup({ authorize: dpoOnly });
    const none = await closed.call("POST", "/dsr/subjects/c-1/requests", "alice", {
      body: { right: "gdpr.access" },
    });
    expect(none.status).toBe(400);

    const { ledger, call } = await setup({ authorize: dpoOnly, requestRights: ["gdpr.access"] });
    const before = await ledger.head();
    for (const body of [
      { right: "gdpr.erasure" },
      { right: "ccpa.know" },
      { right: "gdpr.access", dueBy: "2030-01-01T00:00:00Z" },
      { right: "gdpr.access", requestedBy: "c-2" },
      { right: "gdpr.access", receivedAt: "2020-01-01T00:00:00Z" },
      { right: "gdpr.access", channel: "carrier-pigeon" },
      { right: "gdpr.access", extra: 1 },
    ]) {
      const res = await call("POST", "/dsr/subjects/c-1/requests", "alice", { body });
      expect(res.status, JSON.stringify(body)).toBe(400);
    }
    const r = (
      await call("POST", "/dsr/subjects/c-1/requests", "alice", { body: { right: "gdpr.access" } })
    ).json();
    const spoof = await call("POST", `/dsr/requests/${r.requestId}/verify-identity`, "dpo", {
      body: { method: "login", verifiedBy: "someone-else" },
    });
    expect(spoof.status).toBe(400);
    expect((await call("GET", "/dsr/requests/no-such-request", "dpo")).status).toBe(404);
    const events = await eventsOf(ledger);
    expect(events.filter((e) => e.type.startsWith("request.")).map((e) => e.type)).toEqual([
      "request.received",
    ]);
    expect(events.length).toBe((before?.seq ?? 0) + 2);
  });
});
