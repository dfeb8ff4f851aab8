import { isDaichoError } from "@daicho/core";
import { verifyCertificate } from "@daicho/core/erasure";
import { describe, expect, it } from "vitest";
import { dsrHandler } from "./handler";
import { eventsOf, setup, signer } from "./test-fixture";

describe("dsrHandler", () => {
  it("serves access, erasure request, execution, status and certificate to an authorised staff member", async () => {
    const { ledger, call } = await setup();
    const access = await call("GET", "/dsr/subjects/c-1/access", "dpo");
    expect(access.status).toBe(200);
    expect(access.headers.get("cache-control")).toBe("no-store");
    expect(access.json().personalData[0].value).toBe("alice@example.jp");

    const created = await call("POST", "/dsr/subjects/c-1/erasure", "dpo", {
      body: { channel: "phone" },
    });
    expect(created.status).toBe(201);
    const { requestId, dueBy, channel } = created.json();
    expect(typeof dueBy).toBe("string");
    expect(channel).toBe("phone");
    expect((await call("GET", "/dsr/erasure-requests", "dpo")).json().requests).toHaveLength(1);

    const executed = await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo");
    expect(executed.status).toBe(200);
    const out = executed.json();
    expect(out.outcome).toBe("erased");
    expect(verifyCertificate(out.certificate, signer.publicKey)._tag).toBe("Right");
    const again = await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo", {
      body: {},
    });
    expect(again.json().outcome).toBe("already-erased");
    expect((await call("GET", `/dsr/erasure-requests/${requestId}`, "dpo")).json().status).toBe(
      "completed",
    );
    expect(
      (await call("GET", `/dsr/erasure-requests/${requestId}/certificate`, "dpo")).status,
    ).toBe(200);
    const after = (await call("GET", "/dsr/subjects/c-1/access", "dpo")).json();
    expect(after.personalData[0]).toMatchObject({ value: null, redacted: { reason: "erased" } });
    expect((await ledger.verify()).ok).toBe(true);
  });

  it("lets a data subject read its own report, file its own request and follow it", async () => {
    const { ledger, call } = await setup();
    const access = await call("GET", "/dsr/subjects/c-1/access", "alice");
    expect(access.status).toBe(200);
    expect(access.json().personalData.map((p: { value: string }) => p.value)).toEqual([
      "alice@example.jp",
    ]);
    const created = await call("POST", "/dsr/subjects/c-1/erasure", "alice", {
      body: { reason: "I moved abroad" },
    });
    expect(created.status).toBe(201);
    const { requestId, channel } = created.json();
    expect(channel).toBe("web-form");
    const status = await call("GET", `/dsr/erasure-requests/${requestId}`, "alice");
    expect(status.json()).toMatchObject({ subject: "c-1", status: "open" });
    expect(status.json()).not.toHaveProperty("reason");
    await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo");
    const cert = await call("GET", `/dsr/erasure-requests/${requestId}/certificate`, "alice");
    expect(cert.status).toBe(200);
    expect(verifyCertificate(cert.json(), signer.publicKey)._tag).toBe("Right");
    const requested = (await eventsOf(ledger)).find((e) => e.type === "erasure.requested");
    expect(requested?.payload).toMatchObject({ requestedBy: "person-c-1", channel: "web-form" });
    expect(requested?.payload).not.toHaveProperty("reason");
    expect(requested?.personal?.map((p) => [p.subject, p.field])).toEqual([
      ["c-1", "erasure.statement"],
    ]);
  });

  it("refuses a held subject with 409 and the hold's reason", async () => {
    const { ledger, call, requestErasure } = await setup();
    await ledger.append({
      type: "legal-hold.placed",
      actor: { id: "legal" },
      subjects: ["c-1"],
      payload: { holdId: "h-1", reason: "subpoena 44" },
    });
    const requestId = await requestErasure("c-1");
    const res = await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo");
    expect(res.status).toBe(409);
    expect(res.json().error).toMatchObject({ code: "LEGAL_HOLD", reason: "subpoena 44" });
  });

  it("answers 404 for an unknown subject or request, in the JSON envelope", async () => {
    const { call } = await setup();
    for (const [method, path] of [
      ["GET", "/dsr/subjects/c-404/access"],
      ["POST", "/dsr/erasure-requests/er-x/execute"],
      ["GET", "/elsewhere"],
      ["GET", "/dsr/subjects/c-1/access/more"],
    ] as const) {
      const res = await call(method, path, "dpo");
      expect(res.status, path).toBe(404);
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      expect(res.json().error.code).toBe("NOT_FOUND");
    }
  });

  it("exposes its normalised basePath, and refuses one no request path could match", async () => {
    const { ledger, erasure } = await setup();
    const make = (basePath: string) =>
      dsrHandler({ ledger, erasure, authenticate: () => null, basePath });
    expect(make("/api/dsr/").basePath).toBe("/api/dsr");
    expect(make("").basePath).toBe("");
    for (const bad of [
      "dsr",
      "/dsr/../admin",
      "/./dsr",
      "/dsr?x=1",
      "/d%73r",
      "/d sr",
      "/dsr//x",
    ]) {
      let thrown: unknown;
      try {
        make(bad);
      } catch (e) {
        thrown = e;
      }
      expect(isDaichoError(thrown, "INVALID_ARGUMENT"), bad).toBe(true);
    }
  });
});
