import { readFileSync } from "node:fs";
import http from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { denialsOf, dpoOnly, eventsOf, setup } from "./test-fixture";
import { HUGE, MiB, request, streamHuge } from "./test-http";
import { BASE, FRAMEWORKS, type Framework, type Served, serveIn } from "./test-servers";

/**
 * Issue 12 item 10: the DSR handler mounted in Hono, Express 5 and Fastify 5 under a
 * nested prefix, each a real server on 127.0.0.1, attacked over real sockets: the same
 * answers as the bare handler (status, headers, JSON envelope), the body limit holding
 * while 256 MiB streams in, and the wrong identity refused whatever the framework.
 */
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });
const jsonBody = (token: string) => ({ ...bearer(token), "content-type": "application/json" });

describe.each(FRAMEWORKS)("the DSR handler in %s", (framework: Framework) => {
  let ctx: Awaited<ReturnType<typeof setup>>;
  let server: Served;
  const call = (method: string, path: string, headers?: Record<string, string>, body?: string) =>
    request(server.port, method, path, headers, body);

  beforeAll(async () => {
    ctx = await setup({ authorize: dpoOnly, basePath: BASE });
    server = await serveIn(framework, ctx.handler);
  });
  afterAll(() => server.close());

  it("serves every route under the nested prefix, and leaves the host's own routes alone", async () => {
    const access = await call("GET", `${BASE}/subjects/c-1/access`, bearer("alice"));
    expect(access.status).toBe(200);
    expect(access.headers["content-type"]).toBe("application/json; charset=utf-8");
    expect(access.headers["cache-control"]).toBe("no-store");
    expect(access.json().personalData[0].value).toBe("alice@example.jp");

    const body = JSON.stringify({ channel: "email", reason: "転居しました" });
    const filed = await call("POST", `${BASE}/subjects/c-1/erasure`, jsonBody("alice"), body);
    expect(filed.status).toBe(201);
    const { requestId } = filed.json();
    const status = await call("GET", `${BASE}/erasure-requests/${requestId}`, bearer("alice"));
    expect(status.json()).toMatchObject({ subject: "c-1", status: "open" });
    const list = await call("GET", `${BASE}/erasure-requests`, bearer("dpo"));
    expect(list.json().requests.map((r: { requestId: string }) => r.requestId)).toContain(
      requestId,
    );
    const requested = (await eventsOf(ctx.ledger)).find(
      (e) => e.type === "erasure.requested" && e.payload.requestId === requestId,
    );
    expect(requested?.payload).toMatchObject({ requestedBy: "person-c-1", channel: "email" });
    const [statement] = await ctx.ledger.openPersonal(requested as never);
    expect(statement?.value).toBe("転居しました");

    expect((await call("GET", "/api/health")).json()).toEqual({ ok: true });
    const note = await call(
      "POST",
      "/api/notes",
      { "content-type": "application/json" },
      '{"n":1}',
    );
    expect(note.json()).toEqual({ echo: { n: 1 } });
    const missing = await call("GET", `${BASE}/no-such-route`, bearer("dpo"));
    expect(missing.status).toBe(404);
    expect(missing.json().error.code).toBe("NOT_FOUND");
  });

  it("answers a wrong method with 405 and `allow`, in the JSON envelope", async () => {
    for (const [method, path, allow] of [
      ["DELETE", `${BASE}/subjects/c-1/access`, "GET"],
      ["PUT", `${BASE}/subjects/c-1/erasure`, "POST"],
      ["GET", `${BASE}/erasure-requests/er-1/execute`, "POST"],
      ["PATCH", `${BASE}/erasure-requests`, "GET"],
      ["TRACE", `${BASE}/subjects/c-1/access`, "GET"],
      ["TRACE", `${BASE}/erasure-requests/er-1/execute`, "POST"],
    ] as const) {
      const res = await call(method, path, bearer("dpo"));
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.allow, `${method} ${path}`).toBe(allow);
      expect(res.headers["content-type"]).toMatch(/^application\/json/);
      expect(res.json().error.code).toBe("METHOD_NOT_ALLOWED");
    }
  });

  it("keeps 401 with `www-authenticate` and 415 with `accept`, changing nothing", async () => {
    const before = (await eventsOf(ctx.ledger)).length;
    const anonymous = await call("GET", `${BASE}/subjects/c-1/access`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers["www-authenticate"]).toBe("Bearer");
    expect(anonymous.json().error.code).toBe("UNAUTHENTICATED");
    for (const type of [undefined, "text/plain", "application/x-www-form-urlencoded", ";;"]) {
      const headers: Record<string, string> = bearer("alice");
      if (type !== undefined) headers["content-type"] = type;
      const res = await call("POST", `${BASE}/subjects/c-1/erasure`, headers, "{}");
      expect(res.status, String(type)).toBe(415);
      expect(res.json().error.code, String(type)).toBe("UNSUPPORTED_MEDIA_TYPE");
    }
    expect((await eventsOf(ctx.ledger)).length).toBe(before);
  });

  it("refuses hostile JSON bodies with a typed 400, and records nothing", async () => {
    const before = (await eventsOf(ctx.ledger)).length;
    for (const [body, code] of [
      ['{"requestedBy":"dpo-1"}', "INVALID_ARGUMENT"],
      ['{"dueBy":"2000-01-01T00:00:00Z"}', "INVALID_ARGUMENT"],
      ['{"__proto__":{"channel":"phone"}}', "DECODE_ERROR"],
      ['{"constructor":{"prototype":{"x":1}}}', "DECODE_ERROR"],
      ['{"channel":"carrier-pigeon"}', "DECODE_ERROR"],
      ['{"reason":{"$gt":""}}', "DECODE_ERROR"],
      ['["channel","email"]', "DECODE_ERROR"],
      ['{"channel":"email"', "DECODE_ERROR"],
      [`${"[".repeat(5000)}${"]".repeat(5000)}`, "DECODE_ERROR"],
      [Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d]), "DECODE_ERROR"],
    ] as const) {
      const res = await call(
        "POST",
        `${BASE}/subjects/c-1/erasure`,
        jsonBody("alice"),
        body as never,
      );
      expect(res.status, String(body).slice(0, 40)).toBe(400);
      expect(res.json().error.code, String(body).slice(0, 40)).toBe(code);
    }
    expect((await eventsOf(ctx.ledger)).length).toBe(before);
    expect(({} as Record<string, unknown>).channel).toBeUndefined();
  });

  it("refuses subject A acting on subject B, and records each denial", async () => {
    const denied = (await denialsOf(ctx.ledger)).length;
    const read = await call("GET", `${BASE}/subjects/c-2/access`, bearer("alice"));
    expect(read.status).toBe(403);
    expect(read.text).not.toContain("bob@example.jp");
    const filed = await call("POST", `${BASE}/subjects/c-2/erasure`, jsonBody("alice"), "{}");
    expect(filed.status).toBe(403);
    expect(filed.json().error.code).toBe("FORBIDDEN");
    // The same id spelled so a framework or URL parser might resolve it elsewhere.
    for (const path of [
      `${BASE}/subjects/c-1/../c-2/access`,
      `${BASE}/subjects/c-1/%2e%2e/c-2/access`,
      `${BASE}/subjects/c%2D2/access`,
    ]) {
      const res = await call("GET", path, bearer("alice"));
      // 400 where the adapter refuses a path not in normal form (Express, Fastify); 403
      // where the server normalised it before routing (@hono/node-server): never B's data.
      expect([400, 403], path).toContain(res.status);
      expect(res.text, path).not.toContain("bob@example.jp");
    }
    expect((await denialsOf(ctx.ledger)).length).toBeGreaterThanOrEqual(denied + 2);
    expect(
      (await eventsOf(ctx.ledger)).some(
        (e) => e.type === "erasure.requested" && e.subjects?.some((s) => s.id === "c-2"),
      ),
    ).toBe(false);
  });

  it("refuses a request-id route for another subject's request, and an unknown id alike", async () => {
    const bobs = await ctx.requestErasure("c-2");
    for (const [method, path] of [
      ["GET", `${BASE}/erasure-requests/${bobs}`],
      ["GET", `${BASE}/erasure-requests/${bobs}/certificate`],
      ["POST", `${BASE}/erasure-requests/${bobs}/execute`],
      ["GET", `${BASE}/erasure-requests/er-unknown`],
    ] as const) {
      const res = await call(method, path, jsonBody("alice"));
      expect(res.status, path).toBe(403);
      expect(res.json().error.code).toBe("FORBIDDEN");
      expect(res.text).not.toContain("c-2");
    }
    expect((await ctx.erasure.status(bobs)).status).toBe("open");
  });

  it("answers a streamed 256 MiB body with 413 in the envelope, memory bounded", async () => {
    const before = (await eventsOf(ctx.ledger)).length;
    const out = await streamHuge(server.port, `${BASE}/subjects/c-1/erasure`, jsonBody("alice"));
    expect(out.status).toBe(413);
    expect(JSON.parse(out.body).error).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(out.headers.connection).toBe("close");
    expect(out.sent).toBeLessThan(HUGE / 4);
    expect(out.heapGrowth).toBeLessThan(32 * MiB);
    expect((await eventsOf(ctx.ledger)).length).toBe(before);
    console.log(
      `${framework}: 256 MiB body → 413 after ${(out.sent / MiB).toFixed(1)} MiB sent, ${out.ms} ms; ` +
        `peak growth heap+buffers ${(out.heapGrowth / MiB).toFixed(1)} MiB, rss ${(out.rssGrowth / MiB).toFixed(1)} MiB`,
    );
  });

  it("answers a declared 256 MiB content-length with 413 before reading the body", async () => {
    const out = await streamHuge(server.port, `${BASE}/subjects/c-1/erasure`, {
      ...jsonBody("alice"),
      "content-length": String(HUGE),
    });
    expect(out.status).toBe(413);
    expect(JSON.parse(out.body).error.code).toBe("PAYLOAD_TOO_LARGE");
    expect(out.sent).toBeLessThan(HUGE / 4);
    expect(out.heapGrowth).toBeLessThan(32 * MiB);
  });

  it("refuses a 256 MiB body sent without credentials, and closes rather than read it whole", async () => {
    const out = await streamHuge(
      server.port,
      `${BASE}/subjects/c-1/erasure`,
      { "content-type": "application/json" },
      { untilClosed: true },
    );
    expect(out.status).toBe(401);
    expect(JSON.parse(out.body).error.code).toBe("UNAUTHENTICATED");
    expect(out.headers.connection).toBe("close");
    // A client that goes on sending after the answer finds the connection closed.
    expect(out.sentInAll).toBeLessThan(HUGE / 4);
    expect(out.heapGrowth).toBeLessThan(32 * MiB);
  });

  it("survives a client that hangs up mid-body: nothing recorded, the next request served", async () => {
    const before = (await eventsOf(ctx.ledger)).length;
    await new Promise<void>((resolve) => {
      const req = http.request({
        host: "127.0.0.1",
        port: server.port,
        method: "POST",
        path: `${BASE}/subjects/c-1/erasure`,
        headers: { ...jsonBody("alice"), "content-length": "10000" },
      });
      req.on("error", () => resolve());
      req.write('{"reason":"I will never finish this sen');
      setTimeout(() => {
        req.destroy();
        resolve();
      }, 50);
    });
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect((await eventsOf(ctx.ledger)).length).toBe(before);
    const next = await call("GET", `${BASE}/subjects/c-1/access`, bearer("alice"));
    expect(next.status).toBe(200);
  });

  it("refuses a 256 MiB body on a path not in normal form, and closes rather than read it whole", async () => {
    const out = await streamHuge(server.port, `${BASE}/subjects/./c-1/erasure`, jsonBody("alice"), {
      untilClosed: true,
    });
    // 400 where the adapter refuses the path; 413 where the server normalised it first.
    expect([400, 413]).toContain(out.status);
    expect(out.headers.connection).toBe("close");
    expect(out.sentInAll).toBeLessThan(HUGE / 4);
  });
});

it("documents in docs/erasure.md exactly the mounting lines these servers use", () => {
  const doc = readFileSync(new URL("../../../../docs/erasure.md", import.meta.url), "utf8");
  const servers = readFileSync(new URL("./test-servers.ts", import.meta.url), "utf8");
  for (const line of [
    'api.all("/dsr/*", (c) => handler(c.req.raw));',
    'api.use("/dsr", dsrExpress(handler));',
    'app.use("/api", api);',
    'await api.register(dsrFastify(handler), { prefix: "/dsr" });',
  ]) {
    expect(doc, line).toContain(line);
    expect(servers, line).toContain(line);
  }
});
