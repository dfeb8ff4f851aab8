import { memoryStore, openLedger } from "@daicho/core";
import { ed25519Signer, erasureService, verifyCertificate } from "@daicho/core/erasure";
import { memoryKeyStore } from "@daicho/core/keys";
import { describe, expect, it } from "vitest";
import { dsrHandler, type Principal } from "./handler";

const signer = ed25519Signer("http.test", new Uint8Array(32).fill(8));

async function setup() {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "http.test/l",
    keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(1) } },
  });
  await ledger.append({
    type: "record.created",
    actor: { id: "sales-1" },
    subjects: ["c-1"],
    payload: { resource: { type: "contact", id: "c-1" }, fields: ["email"] },
    personal: [{ subject: "c-1", field: "email", value: "hanako@example.jp" }],
  });
  const erasure = erasureService({ ledger, signer, actor: { id: "dsr-api" } });
  const tokens: Record<string, Principal> = {
    dpo: { actorId: "dpo-1", role: "dpo" },
    intern: { actorId: "intern-2" },
  };
  const handler = dsrHandler({
    ledger,
    erasure,
    basePath: "/dsr",
    authenticate: (req) =>
      tokens[req.headers.get("authorization")?.replace(/^Bearer /, "") ?? ""] ?? null,
    authorize: (p, action) => p.actorId === "dpo-1" || action === "erasure.list",
  });
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected loosely in tests
  type Json = any;
  const call = async (method: string, path: string, token?: string, body?: unknown) => {
    const res = await handler(
      new Request(`https://crm.example.com${path}`, {
        method,
        headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
        ...(body === undefined
          ? {}
          : { body: typeof body === "string" ? body : JSON.stringify(body) }),
      }),
    );
    return { status: res.status, headers: res.headers, json: () => res.json() as Promise<Json> };
  };
  return { ledger, call };
}

describe("dsrHandler", () => {
  it("serves access, erasure request, execution, status and certificate to an authorised caller", async () => {
    const { ledger, call } = await setup();
    const access = await call("GET", "/dsr/subjects/c-1/access", "dpo");
    expect(access.status).toBe(200);
    expect(access.headers.get("cache-control")).toBe("no-store");
    const report = await access.json();
    expect(report.personalData[0].value).toBe("hanako@example.jp");

    const created = await call("POST", "/dsr/subjects/c-1/erasure", "dpo", {
      channel: "web-form",
      reason: "Art. 17",
    });
    expect(created.status).toBe(201);
    const { requestId, dueBy } = await created.json();
    expect(typeof dueBy).toBe("string");
    expect(
      (await (await call("GET", "/dsr/erasure-requests", "dpo")).json()).requests,
    ).toHaveLength(1);

    const executed = await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo");
    expect(executed.status).toBe(200);
    const out = await executed.json();
    expect(out.outcome).toBe("erased");
    expect(verifyCertificate(out.certificate, signer.publicKey)._tag).toBe("Right");
    const again = await (
      await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo")
    ).json();
    expect(again.outcome).toBe("already-erased");
    expect(
      (await (await call("GET", `/dsr/erasure-requests/${requestId}`, "dpo")).json()).status,
    ).toBe("completed");
    expect(
      (await call("GET", `/dsr/erasure-requests/${requestId}/certificate`, "dpo")).status,
    ).toBe(200);
    const after = await (await call("GET", "/dsr/subjects/c-1/access", "dpo")).json();
    expect(after.personalData[0]).toMatchObject({ value: null, redacted: { reason: "erased" } });
    expect((await ledger.verify()).ok).toBe(true);
  });

  it("records the authenticated principal as requester, whatever the body says", async () => {
    const { ledger, call } = await setup();
    const created = await call("POST", "/dsr/subjects/c-1/erasure", "dpo", {
      channel: "web-form",
      requestedBy: "someone-else",
    });
    expect(created.status).toBe(201);
    let requester: unknown;
    for await (const e of ledger.read()) {
      if (e.type === "erasure.requested")
        requester = (e.payload as { requestedBy: string }).requestedBy;
    }
    expect(requester).toBe("dpo-1");
  });

  it("answers 401 without credentials and 403 (recorded as a denial) without permission", async () => {
    const { ledger, call } = await setup();
    expect((await call("GET", "/dsr/subjects/c-1/access")).status).toBe(401);
    expect((await call("GET", "/dsr/subjects/c-1/access", "intern")).status).toBe(403);
    let denied = 0;
    for await (const e of ledger.read())
      if (e.type === "data.accessed" && (e.payload as { outcome: string }).outcome === "denied")
        denied++;
    expect(denied).toBe(1);
    expect((await call("GET", "/dsr/erasure-requests", "intern")).status).toBe(200);
  });

  it("maps bad input to typed JSON errors", async () => {
    const { call } = await setup();
    expect((await call("GET", "/dsr/subjects/c-404/access", "dpo")).status).toBe(404);
    expect((await call("POST", "/dsr/subjects/c-1/erasure", "dpo", "{not json")).status).toBe(400);
    const bad = await call("POST", "/dsr/subjects/c-1/erasure", "dpo", { channel: "Not A Label" });
    expect(bad.status).toBe(400);
    expect((await bad.json()).error.code).toBe("DECODE_ERROR");
    expect((await call("GET", "/dsr/subjects/c-1/erasure", "dpo")).status).toBe(405);
    expect((await call("GET", "/elsewhere", "dpo")).status).toBe(404);
    expect((await call("POST", "/dsr/erasure-requests/er-x/execute", "dpo")).status).toBe(404);
  });

  it("refuses a held subject with 409 and the hold's reason", async () => {
    const { ledger, call } = await setup();
    await ledger.append({
      type: "legal-hold.placed",
      actor: { id: "legal" },
      subjects: ["c-1"],
      payload: { holdId: "h-1", reason: "subpoena 44" },
    });
    const { requestId } = await (
      await call("POST", "/dsr/subjects/c-1/erasure", "dpo", { channel: "email" })
    ).json();
    const res = await call("POST", `/dsr/erasure-requests/${requestId}/execute`, "dpo");
    expect(res.status).toBe(409);
    expect((await res.json()).error).toMatchObject({ code: "LEGAL_HOLD", reason: "subpoena 44" });
  });
});
