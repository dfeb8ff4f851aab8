import { describe, expect, it } from "vitest";
import type { DsrAction } from "./routes";
import { denialsOf, dpoOnly, eventsOf, setup } from "./test-fixture";

/**
 * Issue 11 item 7: every default attacked with the wrong identity. Each refusal must be a
 * 403 in the JSON envelope, recorded as a denied `data.accessed` event, and change nothing
 * else in the ledger.
 */
async function expectRefused(
  ctx: Awaited<ReturnType<typeof setup>>,
  method: string,
  path: string,
  token: string,
  body?: unknown,
) {
  const before = (await eventsOf(ctx.ledger)).length;
  const deniedBefore = (await denialsOf(ctx.ledger)).length;
  const res = await ctx.call(method, path, token, body === undefined ? {} : { body });
  expect(res.status, `${method} ${path} as ${token}`).toBe(403);
  expect(res.json().error.code).toBe("FORBIDDEN");
  const after = await eventsOf(ctx.ledger);
  expect(after.length, "only the denial is recorded").toBe(before + 1);
  expect((await denialsOf(ctx.ledger)).length).toBe(deniedBefore + 1);
  return res;
}

const HOSTS: [string, Parameters<typeof setup>[0]][] = [
  ["authorize left out", {}],
  ["a DPO-only authorize", { authorize: dpoOnly }],
  ["an authorize that allows everything", { authorize: () => true }],
];

describe.each(HOSTS)("data subjects may act only on themselves (%s)", (_, host) => {
  it("refuses subject A reading B's report, and leaks none of B's data", async () => {
    const ctx = await setup(host);
    const res = await expectRefused(ctx, "GET", "/dsr/subjects/c-2/access", "alice");
    expect(res.text).not.toContain("bob@example.jp");
    const [denial] = await denialsOf(ctx.ledger);
    expect(denial?.actor.id).toBe("person-c-1");
    expect(denial?.subjects?.map((s) => s.id)).toEqual(["c-2"]);
  });

  it("refuses subject A filing an erasure request for B", async () => {
    const ctx = await setup(host);
    await expectRefused(ctx, "POST", "/dsr/subjects/c-2/erasure", "alice", {});
    expect((await eventsOf(ctx.ledger)).some((e) => e.type === "erasure.requested")).toBe(false);
  });

  it("refuses subject A listing the requests", async () => {
    const ctx = await setup(host);
    await ctx.requestErasure("c-2");
    const res = await expectRefused(ctx, "GET", "/dsr/erasure-requests", "alice");
    expect(res.text).not.toContain("c-2");
  });

  it("refuses subject A executing an erasure: B's, and even its own", async () => {
    const ctx = await setup(host);
    const bobs = await ctx.requestErasure("c-2");
    await expectRefused(ctx, "POST", `/dsr/erasure-requests/${bobs}/execute`, "alice");
    const own = (await ctx.call("POST", "/dsr/subjects/c-1/erasure", "alice", { body: {} })).json()
      .requestId;
    await expectRefused(ctx, "POST", `/dsr/erasure-requests/${own}/execute`, "alice");
    expect((await eventsOf(ctx.ledger)).some((e) => e.type === "erasure.fenced")).toBe(false);
    const report = (await ctx.call("GET", "/dsr/subjects/c-2/access", "bob")).json();
    expect(report.personalData[0].value).toBe("bob@example.jp");
  });

  it("refuses subject A reading B's request status or certificate by id, like an unknown id", async () => {
    const ctx = await setup(host);
    const bobs = await ctx.requestErasure("c-2");
    await ctx.erasure.execute(bobs);
    await expectRefused(ctx, "GET", `/dsr/erasure-requests/${bobs}`, "alice");
    await expectRefused(ctx, "GET", `/dsr/erasure-requests/${bobs}/certificate`, "alice");
    // An id that does not exist answers the same, so ids cannot be probed.
    await expectRefused(
      ctx,
      "GET",
      "/dsr/erasure-requests/er-0190f5c2-0000-7000-8000-0000",
      "alice",
    );
  });

  it("does not write a subject id typed into the path into the denial", async () => {
    const ctx = await setup(host);
    await expectRefused(ctx, "GET", "/dsr/subjects/yamada-hanako-09012345678/access", "alice");
    const [denial] = await denialsOf(ctx.ledger);
    expect(denial?.subjects).toBeUndefined();
    expect(denial?.payload).toMatchObject({ resource: { id: "unknown" } });
    let stored = "";
    for await (const e of ctx.ledger.store.read()) stored += e.body;
    expect(stored).not.toContain("yamada");
  });
});

describe("staff routes need the host's explicit authorize", () => {
  it("refuses every call of a staff member when authorize is left out", async () => {
    const ctx = await setup({});
    for (const [method, path] of [
      ["GET", "/dsr/subjects/c-1/access"],
      ["POST", "/dsr/subjects/c-1/erasure"],
      ["GET", "/dsr/erasure-requests"],
    ] as const) {
      await expectRefused(ctx, method, path, "dpo", method === "POST" ? {} : undefined);
    }
    const own = (await ctx.call("POST", "/dsr/subjects/c-1/erasure", "alice", { body: {} })).json()
      .requestId;
    await expectRefused(ctx, "GET", `/dsr/erasure-requests/${own}`, "dpo");
    await expectRefused(ctx, "POST", `/dsr/erasure-requests/${own}/execute`, "dpo");
    expect((await eventsOf(ctx.ledger)).some((e) => e.type === "erasure.fenced")).toBe(false);
  });

  it("refuses a staff member authorize says no to, and treats a truthy non-boolean as no", async () => {
    const ctx = await setup({
      authorize: (p) => (p.actorId === "dpo-1" ? true : ("yes" as never)),
    });
    await expectRefused(ctx, "GET", "/dsr/subjects/c-1/access", "intern");
    await expectRefused(ctx, "GET", "/dsr/erasure-requests", "intern");
    expect((await ctx.call("GET", "/dsr/erasure-requests", "dpo")).status).toBe(200);
  });

  it("passes authorize the subject of the request for request-id routes", async () => {
    const seen: [DsrAction, string | undefined][] = [];
    const ctx = await setup({
      authorize: (p, action, subject) => {
        seen.push([action, subject]);
        return p.actorId === "dpo-1";
      },
    });
    const id = await ctx.requestErasure("c-2");
    seen.length = 0;
    await ctx.call("GET", `/dsr/erasure-requests/${id}`, "dpo");
    await ctx.call("POST", `/dsr/erasure-requests/${id}/execute`, "dpo");
    await ctx.call("GET", `/dsr/erasure-requests/${id}/certificate`, "dpo");
    await ctx.call("GET", "/dsr/erasure-requests", "dpo");
    await ctx.call("GET", "/dsr/erasure-requests/er-unknown", "dpo");
    expect(seen).toEqual([
      ["erasure.status", "c-2"],
      ["erasure.execute", "c-2"],
      ["erasure.certificate", "c-2"],
      ["erasure.list", undefined],
      ["erasure.status", undefined],
    ]);
  });

  it("answers 401 without credentials and records nothing", async () => {
    const ctx = await setup();
    const before = (await eventsOf(ctx.ledger)).length;
    const res = await ctx.call("GET", "/dsr/subjects/c-1/access");
    expect(res.status).toBe(401);
    expect(res.headers.get("www-authenticate")).toBe("Bearer");
    expect(res.json().error.code).toBe("UNAUTHENTICATED");
    expect((await eventsOf(ctx.ledger)).length).toBe(before);
  });
});
