/**
 * The DSR routes in Hono: no adapter needed. `c.req.raw` is the web `Request` with the
 * full URL (mount prefixes included) and the body unread, streamed from the socket by
 * `@hono/node-server` only as the handler reads it, so `maxBodyBytes` holds. Set the
 * handler's `basePath` to the full path: here `/api` (the sub-app's mount) + `/dsr`.
 */
import type { DsrHandler } from "@daicho/adapters/http";
import { Hono } from "hono";
import { listen } from "../crm-service/server";
import type { Served } from "../shared/dsr-walkthrough";

/** The host's app: its own routes, and the DSR routes under `/api/dsr`. */
export function honoApp(handler: DsrHandler): Hono {
  const api = new Hono();
  api.get("/health", (c) => c.json({ ok: true }));
  // The one line: every method, every path under /api/dsr, to the handler.
  api.all("/dsr/*", (c) => handler(c.req.raw));
  return new Hono().route("/api", api);
}

/** Serve the app on 127.0.0.1 (a free port). */
export function serveHono(handler: DsrHandler): Promise<Served> {
  return listen(honoApp(handler));
}
