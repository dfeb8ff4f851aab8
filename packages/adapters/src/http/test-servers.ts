/**
 * Test servers (not exported by the package): the DSR handler mounted the way a host
 * would in Hono, Express 5 and Fastify 5, each nested under a prefix (`/api`, then `/dsr`)
 * next to host routes of its own, listening on 127.0.0.1.
 */
import type { AddressInfo } from "node:net";
import { serve } from "@hono/node-server";
import express from "express";
import Fastify from "fastify";
import { Hono } from "hono";
import { dsrExpress } from "./express/index";
import { dsrFastify } from "./fastify/index";
import type { DsrHandler } from "./handler";

export const FRAMEWORKS = ["hono", "express", "fastify"] as const;
export type Framework = (typeof FRAMEWORKS)[number];

/** The full path the DSR routes live under in every test server. */
export const BASE = "/api/dsr";

export interface Served {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * Serve `handler` (whose `basePath` is {@link BASE}) in `framework`. Each app also has
 * `GET /api/health` and a host route `POST /api/notes` that parses JSON with the
 * framework's own parser, to show the adapter leaves the host's routes alone.
 */
export async function serveIn(framework: Framework, handler: DsrHandler): Promise<Served> {
  switch (framework) {
    case "hono": {
      const api = new Hono();
      api.get("/health", (c) => c.json({ ok: true }));
      api.post("/notes", async (c) => c.json({ echo: await c.req.json() }));
      // The documented lines: no glue; the raw Request keeps the full URL.
      api.all("/dsr/*", (c) => handler(c.req.raw));
      const app = new Hono().route("/api", api);
      return new Promise((resolve) => {
        const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port: 0 }, (info) =>
          resolve({ port: info.port, close: () => closeServer(server) }),
        );
      });
    }
    case "express": {
      const app = express();
      const api = express.Router();
      api.get("/health", (_req, res) => {
        res.json({ ok: true });
      });
      api.post("/notes", express.json(), (req, res) => {
        res.json({ echo: req.body });
      });
      api.use("/dsr", dsrExpress(handler));
      app.use("/api", api);
      return new Promise((resolve) => {
        const server = app.listen(0, "127.0.0.1", () =>
          resolve({
            port: (server.address() as AddressInfo).port,
            close: () => closeServer(server),
          }),
        );
      });
    }
    case "fastify": {
      const app = Fastify();
      await app.register(
        async (api) => {
          api.get("/health", async () => ({ ok: true }));
          api.post("/notes", async (request) => ({ echo: request.body }));
          await api.register(dsrFastify(handler), { prefix: "/dsr" });
        },
        { prefix: "/api" },
      );
      await app.listen({ port: 0, host: "127.0.0.1" });
      return {
        port: (app.server.address() as AddressInfo).port,
        close: () => app.close(),
      };
    }
  }
}

function closeServer(server: {
  close(cb: () => void): unknown;
  closeAllConnections?: () => void;
}): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections?.();
  });
}
