/**
 * The DSR routes in Express 5, through `dsrExpress` from `@daicho/adapters/http/express`.
 * Express strips the mount prefix from `req.url`; the adapter routes on `req.originalUrl`,
 * so the handler's `basePath` is the full path (`/api` + `/dsr`). Mount it before any body
 * parser: it streams the body into the handler itself, under the handler's limit.
 */
import type { AddressInfo } from "node:net";
import type { DsrHandler } from "@daicho/adapters/http";
import { dsrExpress } from "@daicho/adapters/http/express";
import express, { type Express } from "express";
import type { Served } from "../shared/dsr-walkthrough";

/** The host's app: its own routes (with a JSON parser), and the DSR routes under `/api/dsr`. */
export function expressApp(handler: DsrHandler): Express {
  const api = express.Router();
  api.get("/health", (_req, res) => {
    res.json({ ok: true });
  });
  // The DSR routes first: they read their own body, so no parser may run before them.
  api.use("/dsr", dsrExpress(handler));
  // The host's own routes may parse JSON as usual.
  api.use(express.json({ limit: "100kb" }));
  api.post("/notes", (req, res) => {
    res.json({ saved: req.body });
  });
  const app = express();
  app.use("/api", api);
  return app;
}

/** Serve the app on 127.0.0.1 (a free port). */
export function serveExpress(handler: DsrHandler): Promise<Served> {
  return new Promise((resolve) => {
    const server = expressApp(handler).listen(0, "127.0.0.1", () =>
      resolve({
        url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
        close: () =>
          new Promise((done) => {
            server.close(() => done());
            server.closeIdleConnections();
          }),
      }),
    );
  });
}
