import { describe, expect, it } from "vitest";
import { readJsonObject } from "./body";
import { eventsOf, setup } from "./test-fixture";

/**
 * Issue 11 item 7: hostile bodies. Each is refused with a typed JSON error and records
 * nothing (the ledger holds exactly the events it held before).
 */
async function expectRefusedBody(
  ctx: Awaited<ReturnType<typeof setup>>,
  status: number,
  code: string,
  path: string,
  opts: { body?: unknown; contentType?: string | null; token?: string; method?: string },
) {
  const before = (await eventsOf(ctx.ledger)).length;
  const res = await ctx.call(opts.method ?? "POST", path, opts.token ?? "alice", opts);
  expect(res.status, `${JSON.stringify(opts).slice(0, 80)}`).toBe(status);
  expect(res.headers.get("content-type")).toMatch(/^application\/json/);
  expect(res.json().error.code).toBe(code);
  expect((await eventsOf(ctx.ledger)).length, "nothing recorded").toBe(before);
  return res.json().error;
}

const ERASURE = "/dsr/subjects/c-1/erasure";

describe("hostile bodies", () => {
  it("refuses wrong types and unknown members, naming the member", async () => {
    const ctx = await setup();
    for (const [body, path] of [
      [{ channel: 5 }, "$body.channel"],
      [{ reason: 7 }, "$body.reason"],
      [{ reason: "" }, "$body.reason"],
      [{ reason: "x".repeat(4001) }, "$body.reason"],
      [{ note: "hi" }, "$body.note"],
      [JSON.parse('{"__proto__": {"admin": true}}'), "$body.__proto__"],
      [{ channel: "yamada-hanako-09012345678" }, "$body.channel"],
    ] as const) {
      const error = await expectRefusedBody(ctx, 400, "DECODE_ERROR", ERASURE, { body });
      expect(error.path).toBe(path);
    }
  });

  it("refuses a caller-set deadline, regime or requester with INVALID_ARGUMENT", async () => {
    const ctx = await setup();
    for (const member of ["dueBy", "regime", "requestedBy"]) {
      const value =
        member === "dueBy" ? "2099-01-01T00:00:00Z" : member === "regime" ? "ccpa" : "c-2";
      for (const token of ["alice", "dpo"]) {
        const error = await expectRefusedBody(ctx, 400, "INVALID_ARGUMENT", ERASURE, {
          body: { channel: "web-form", [member]: value },
          token,
        });
        expect(error.path).toBe(`$body.${member}`);
      }
    }
    const ok = await ctx.call("POST", ERASURE, "alice", { body: {} });
    const days = (Date.parse(ok.json().dueBy) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(27);
    expect(days).toBeLessThan(32);
  });

  it("refuses non-JSON, non-object JSON and invalid UTF-8", async () => {
    const ctx = await setup();
    for (const body of ["{not json", "[1,2]", '"text"', "null", new Uint8Array([0x7b, 0xff, 0x7d])])
      await expectRefusedBody(ctx, 400, "DECODE_ERROR", ERASURE, { body });
  });

  it("refuses a missing or wrong content type with 415 on every POST, execute included", async () => {
    const ctx = await setup();
    for (const contentType of [
      null,
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/json; charset=shift_jis",
      "application/jsonp",
    ]) {
      await expectRefusedBody(ctx, 415, "UNSUPPORTED_MEDIA_TYPE", ERASURE, {
        body: "{}",
        contentType,
      });
    }
    // A cross-site form post (or a no-cors fetch) carrying a staff cookie cannot execute.
    const id = await ctx.requestErasure("c-2");
    const execute = `/dsr/erasure-requests/${id}/execute`;
    for (const attempt of [{ contentType: null }, { contentType: "text/plain", body: "{}" }])
      await expectRefusedBody(ctx, 415, "UNSUPPORTED_MEDIA_TYPE", execute, {
        token: "dpo",
        ...attempt,
      });
    expect((await eventsOf(ctx.ledger)).some((e) => e.type === "erasure.fenced")).toBe(false);
    const ok = await ctx.call("POST", ERASURE, "alice", {
      body: "{}",
      contentType: "Application/JSON; charset=UTF-8",
    });
    expect(ok.status).toBe(201);
  });

  it("refuses a body on execute", async () => {
    const ctx = await setup();
    const id = await ctx.requestErasure("c-2");
    await expectRefusedBody(ctx, 400, "DECODE_ERROR", `/dsr/erasure-requests/${id}/execute`, {
      token: "dpo",
      body: { force: true },
    });
  });

  it("refuses a body over maxBodyBytes with 413, declared or not", async () => {
    const ctx = await setup();
    const big = JSON.stringify({ reason: "あ".repeat(6000) }); // 18 KB of UTF-8, 6000 code units
    const error = await expectRefusedBody(ctx, 413, "PAYLOAD_TOO_LARGE", ERASURE, { body: big });
    expect(error.details).toEqual({ maxBytes: 16 * 1024 });
    const small = await setup({ maxBodyBytes: 64 });
    await expectRefusedBody(small, 413, "PAYLOAD_TOO_LARGE", ERASURE, {
      body: { reason: "x".repeat(100) },
    });
  });

  it("refuses a maxBodyBytes that would compare false and let any body through", async () => {
    for (const maxBodyBytes of [Number.NaN, -1, 1.5, Number.POSITIVE_INFINITY])
      await expect(setup({ maxBodyBytes }), String(maxBodyBytes)).rejects.toMatchObject({
        code: "INVALID_ARGUMENT",
        path: "maxBodyBytes",
      });
  });

  it("answers a wrong method with 405, the allowed method and the JSON envelope", async () => {
    const ctx = await setup();
    for (const [method, path, allow] of [
      ["GET", ERASURE, "POST"],
      ["DELETE", "/dsr/subjects/c-1/access", "GET"],
      ["PUT", "/dsr/erasure-requests", "GET"],
      ["HEAD", "/dsr/subjects/c-1/access", "GET"],
    ] as const) {
      const res = await ctx.call(method, path, "dpo");
      expect(res.status, `${method} ${path}`).toBe(405);
      expect(res.headers.get("allow")).toBe(allow);
      if (method !== "HEAD") {
        expect(res.headers.get("content-type")).toMatch(/^application\/json/);
        expect(res.json().error).toMatchObject({ code: "METHOD_NOT_ALLOWED" });
      }
    }
  });
});

describe("readJsonObject", () => {
  /** An endless body that counts how many bytes were pulled from it and whether it was cancelled. */
  function endlessBody(chunk: number) {
    const seen = { pulled: 0, cancelled: false };
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        seen.pulled += chunk;
        controller.enqueue(new Uint8Array(chunk).fill(0x20));
      },
      cancel() {
        seen.cancelled = true;
      },
    });
    return { stream, seen };
  }

  it("stops reading an endless body one chunk past the limit and cancels it", async () => {
    const { stream, seen } = endlessBody(4096);
    const request = new Request("https://x.example/", {
      method: "POST",
      body: stream,
      duplex: "half",
    } as RequestInit);
    await expect(readJsonObject(request, 16 * 1024)).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
    });
    expect(seen.cancelled).toBe(true);
    // The stream's queue may hold a chunk or two more than the reader asked for.
    expect(seen.pulled).toBeLessThanOrEqual(16 * 1024 + 3 * 4096);
  });

  it("refuses a declared content-length over the limit without reading", async () => {
    const { stream, seen } = endlessBody(4096);
    const request = new Request("https://x.example/", {
      method: "POST",
      body: stream,
      duplex: "half",
      headers: { "content-length": String(256 * 1024 * 1024) },
    } as RequestInit);
    await expect(readJsonObject(request, 16 * 1024)).rejects.toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
    });
    expect(seen.pulled).toBeLessThanOrEqual(4096);
  });
});
