/**
 * The console mounted the way a host would, in Hono, Express 5 (`dsrExpress`) and
 * Fastify 5 (`dsrFastify`) — the DSR handler's adapters take it as it is — under
 * `/compliance` on a real server on 127.0.0.1: the page, the API, and a state change
 * accepted from the server's own origin and refused from another.
 */
import type { AddressInfo } from "node:net";
import { dsrExpress } from "@daicho/adapters/http/express";
import { dsrFastify } from "@daicho/adapters/http/fastify";
import { consoleHandler } from "@daicho/console";
import { memoryKeyStore, memoryStore, openLedger } from "@daicho/core";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { expect, it } from "vitest";

type Served = { url: string; close(): Promise<void> };

async function serveIn(
  framework: string,
  handler: ReturnType<typeof consoleHandler>,
): Promise<Served> {
  if (framework === "hono") {
    const app = new Hono();
    app.all("/compliance/*", (c) => handler(c.req.raw));
    return new Promise((resolve) => {
      const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
        resolve({
          url: `http://127.0.0.1:${info.port}`,
          close: () => new Promise((d) => server.close(() => d())),
        }),
      );
    });
  }
  if (framework === "express") {
    const app = express();
    app.use("/compliance", dsrExpress(handler));
    return new Promise((resolve) => {
      const server = app.listen(0, "127.0.0.1", () =>
        resolve({
          url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
          close: () => new Promise((d) => server.close(() => d())),
        }),
      );
    });
  }
  const app = Fastify();
  await app.register(dsrFastify(handler), { prefix: "/compliance" });
  await app.listen({ port: 0, host: "127.0.0.1" });
  return {
    url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`,
    close: () => app.close(),
  };
}

for (const framework of ["hono", "express", "fastify"]) {
  it(`mounts in ${framework}: page, API, and the same-origin rule for changes`, async () => {
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "mount.test/ledger",
      keys: { store: memoryKeyStore(), kek: { id: "kek-1", key: new Uint8Array(32).fill(1) } },
    });
    await ledger.append({
      type: "record.created",
      actor: { id: "sales-1" },
      subjects: ["contact-1"],
      payload: { resource: { type: "contact", id: "contact-1" }, fields: ["email"] },
    });
    const signer = ed25519Signer("mount.test/erasure", new Uint8Array(32).fill(2));
    const base = erasureService({ ledger, signer, actor: { id: "daicho-erasure", role: "dpo" } });
    const handler = consoleHandler({
      ledger,
      erasureFor: (actor) => base.as(actor),
      authenticate: (req) =>
        req.headers.get("authorization") === "Bearer dpo"
          ? { actor: "dpo-1", roles: ["dpo"] }
          : null,
      basePath: "/compliance",
    });
    const served = await serveIn(framework, handler);
    try {
      const auth = { authorization: "Bearer dpo" };
      const page = await fetch(`${served.url}/compliance/`, { headers: auth });
      expect(page.status).toBe(200);
      expect(page.headers.get("content-security-policy")).toContain("frame-ancestors 'none'");
      expect((await fetch(`${served.url}/compliance/`)).status).toBe(401);
      const me = await fetch(`${served.url}/compliance/api/me`, {
        headers: { ...auth, "x-daicho-console": "1" },
      });
      expect(((await me.json()) as { actor: string }).actor).toBe("dpo-1");
      const hold = JSON.stringify({
        subject: "contact-1",
        holdId: "hold-1",
        reason: "Court order",
      });
      const headers = { ...auth, "x-daicho-console": "1", "content-type": "application/json" };
      const foreign = await fetch(`${served.url}/compliance/api/holds`, {
        method: "POST",
        body: hold,
        headers: { ...headers, origin: "https://evil.example" },
      });
      expect(foreign.status).toBe(403);
      const own = await fetch(`${served.url}/compliance/api/holds`, {
        method: "POST",
        body: hold,
        headers: { ...headers, origin: served.url },
      });
      expect(own.status).toBe(200);
      expect((await ledger.head())?.seq).toBe(1);
    } finally {
      await served.close();
    }
  });
}
