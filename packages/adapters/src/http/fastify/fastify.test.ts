import http2 from "node:http2";
import type { AddressInfo } from "node:net";
import Fastify, { type FastifyInstance } from "fastify";
import { afterEach, describe, expect, it } from "vitest";
import { eventsOf, setup } from "../test-fixture";
import { request } from "../test-http";
import { dsrFastify } from "./index";

/**
 * Fastify-specific mounting, over real sockets: where the plugin may be registered, a
 * prefix that cannot work failing at start-up, and Fastify's own body handling kept off
 * the DSR routes while the host's routes keep theirs.
 */
let app: FastifyInstance | undefined;
afterEach(async () => {
  await app?.close();
  app = undefined;
});

async function listen(instance: FastifyInstance): Promise<number> {
  app = instance;
  await instance.listen({ port: 0, host: "127.0.0.1" });
  return (instance.server.address() as AddressInfo).port;
}

const alice = { authorization: "Bearer alice" };
const aliceJson = { ...alice, "content-type": "application/json" };

describe("dsrFastify", () => {
  it("serves basePath registered with no prefix, or with basePath as its prefix", async () => {
    for (const options of [{}, { prefix: "/dsr" }, { prefix: "/dsr/" }]) {
      const { handler } = await setup();
      const instance = Fastify();
      await instance.register(dsrFastify(handler), options);
      const port = await listen(instance);
      const res = await request(port, "GET", "/dsr/subjects/c-1/access", alice);
      expect(res.status, JSON.stringify(options)).toBe(200);
      expect((await request(port, "GET", "/elsewhere")).status).toBe(404);
      await instance.close();
    }
  });

  it("fails start-up when registered under a prefix basePath cannot lie under", async () => {
    const { handler } = await setup();
    const instance = Fastify();
    app = instance;
    instance.register(dsrFastify(handler), { prefix: "/v1" });
    await expect(instance.ready()).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
      path: "basePath",
      message: expect.stringMatching(/prefix `\/v1`.*basePath `\/dsr`/),
    });
  });

  it("keeps Fastify's bodyLimit and JSON parser off the DSR routes, and on the host's", async () => {
    const { handler, ledger } = await setup();
    // A host-wide bodyLimit smaller than a valid erasure request, and a host JSON route.
    const instance = Fastify({ bodyLimit: 64 });
    instance.post("/notes", async (req) => ({ echo: req.body }));
    await instance.register(dsrFastify(handler));
    const port = await listen(instance);
    const reason = "引っ越したので記録をすべて消してください。".repeat(3);
    const body = JSON.stringify({ channel: "post", reason });
    expect(Buffer.byteLength(body)).toBeGreaterThan(64);
    const filed = await request(port, "POST", "/dsr/subjects/c-1/erasure", aliceJson, body);
    expect(filed.status).toBe(201);
    const requested = (await eventsOf(ledger)).find((e) => e.type === "erasure.requested");
    expect((await ledger.openPersonal(requested as never))[0]?.value).toBe(reason);

    const json = { "content-type": "application/json" };
    expect((await request(port, "POST", "/notes", json, '{"n":1}')).json()).toEqual({
      echo: { n: 1 },
    });
    expect((await request(port, "POST", "/notes", json, JSON.stringify({ reason }))).status).toBe(
      413,
    );
  });

  it("serves HTTP/2 (h2c) too: refusals drop the connection header HTTP/2 forbids", async () => {
    const { handler } = await setup();
    const instance = Fastify({ http2: true });
    await instance.register(dsrFastify(handler));
    const port = await listen(instance as unknown as FastifyInstance);
    const session = http2.connect(`http://127.0.0.1:${port}`);
    const h2 = (headers: http2.OutgoingHttpHeaders, body?: string) =>
      new Promise<{ status: number; text: string }>((resolve, reject) => {
        const stream = session.request(headers);
        let text = "";
        let status = 0;
        stream.on("response", (h) => {
          status = Number(h[":status"]);
        });
        stream.setEncoding("utf8");
        stream.on("data", (d: string) => {
          text += d;
        });
        stream.on("end", () => resolve({ status, text }));
        stream.on("error", reject);
        stream.end(body);
      });
    // Node drops a `connection` header over HTTP/2 with a process warning: none may occur.
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.message);
    process.on("warning", onWarning);
    try {
      const ok = await h2({ ":path": "/dsr/subjects/c-1/access", ...alice });
      expect(ok.status).toBe(200);
      const anonymous = await h2(
        {
          ":method": "POST",
          ":path": "/dsr/subjects/c-1/erasure",
          "content-type": "application/json",
        },
        "{}",
      );
      expect(anonymous.status).toBe(401);
      expect(JSON.parse(anonymous.text).error.code).toBe("UNAUTHENTICATED");
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings).toEqual([]);
    } finally {
      process.off("warning", onWarning);
      session.close();
    }
  });
});
