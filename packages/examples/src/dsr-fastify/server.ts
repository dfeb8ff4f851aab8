/**
 * The DSR routes in Fastify 5, through the `dsrFastify` plugin from
 * `@daicho/adapters/http/fastify`. Inside the plugin Fastify's body parsers are replaced
 * by one that streams the body into the handler, so Fastify's `bodyLimit` buffers
 * nothing there and the handler's `maxBodyBytes` applies; the host's other routes keep
 * Fastify's parsers. The handler's `basePath` is the full path (`/api` + `/dsr`); a
 * prefix it cannot lie under fails at start-up.
 */
import type { DsrHandler } from "@daicho/adapters/http";
import { dsrFastify } from "@daicho/adapters/http/fastify";
import Fastify, { type FastifyInstance } from "fastify";
import type { Served } from "../shared/dsr-walkthrough";

/** The host's app: its own routes, and the DSR routes under `/api/dsr`. */
export async function fastifyApp(handler: DsrHandler): Promise<FastifyInstance> {
  const app = Fastify();
  await app.register(
    async (api) => {
      api.get("/health", async () => ({ ok: true }));
      api.post("/notes", async (request) => ({ saved: request.body }));
      await api.register(dsrFastify(handler), { prefix: "/dsr" });
    },
    { prefix: "/api" },
  );
  return app;
}

/** Serve the app on 127.0.0.1 (a free port). */
export async function serveFastify(handler: DsrHandler): Promise<Served> {
  const app = await fastifyApp(handler);
  const url = await app.listen({ port: 0, host: "127.0.0.1" });
  return { url, close: () => app.close() };
}
