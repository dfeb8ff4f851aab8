/**
 * @daicho/adapters/http/fastify — mount the DSR handler in Fastify 5.
 *
 * ```ts
 * const handler = dsrHandler({ ledger, erasure, authenticate, authorize, basePath: "/dsr" });
 * await app.register(dsrFastify(handler)); // or register(…, { prefix: "/dsr" })
 * ```
 *
 * Only types come from `fastify` (an optional peer dependency); nothing of it is loaded
 * at run time, and users of other frameworks never need it.
 *
 * @module @daicho/adapters/http/fastify
 */
import type { IncomingMessage } from "node:http";
import type { Readable } from "node:stream";
import { DaichoError } from "@daicho/core";
import type { FastifyError, FastifyPluginAsync, FastifyReply } from "fastify";
import { errorResponse, HttpRefusal } from "../errors";
import type { DsrHandler } from "../handler";
import {
  bodyAlreadyRead,
  bodyReadError,
  headersOf,
  isUnder,
  mustClose,
  respond,
} from "../node-bridge";

/**
 * A Fastify 5 plugin serving `handler`'s routes. It registers one wildcard route for
 * `basePath` (less the prefix it is registered under, if any: `register(plugin, { prefix:
 * "/dsr" })` and `register(plugin)` both serve `/dsr/…` when `basePath` is `/dsr`); a
 * prefix under which `basePath` cannot lie fails registration (`INVALID_ARGUMENT`), so the
 * mistake shows at start-up rather than as 404s. Inside the plugin (Fastify
 * encapsulation, nothing leaks to the host's other routes) Fastify's body parsers are
 * replaced by one that hands the raw stream on unread, so Fastify's `bodyLimit` never
 * buffers a body and the handler's `maxBodyBytes` applies while it streams; errors
 * Fastify raises there (a malformed content type) are answered in the same JSON envelope
 * as the handler's. Status, headers and body pass through unchanged, and a refusal sent
 * before the body has all arrived closes the connection.
 */
export function dsrFastify(handler: DsrHandler): FastifyPluginAsync {
  return async (instance) => {
    const route = routeUnder(instance.prefix, handler.basePath);
    instance.removeAllContentTypeParsers();
    instance.addContentTypeParser("*", (_request, payload, done) => done(null, payload));
    instance.setErrorHandler((error: FastifyError, request, reply) => {
      if (error.statusCode === undefined || error.statusCode >= 500) request.log.error(error);
      return send(reply, errorResponse(asRefusal(error)), request.raw);
    });
    instance.all(`${route}/*`, async (request, reply) => {
      // The catch-all parser passes the payload stream (after any `preParsing` hook) as
      // the body; a POST with no body at all has none, and the socket is read instead.
      const body = isReadable(request.body) ? request.body : request.raw;
      if (request.method !== "GET" && request.method !== "HEAD" && bodyAlreadyRead(body))
        throw bodyReadError("Fastify");
      const where = { protocol: request.protocol, host: request.host, target: request.url };
      const response = await respond(handler, request.raw, where, body);
      return send(reply, response, request.raw);
    });
  };
}

/** The route path for `base` inside a plugin registered under `prefix`. */
function routeUnder(prefix: string, base: string): string {
  const p = prefix.replace(/\/+$/, "");
  if (!isUnder(base, p)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `dsrFastify is registered under prefix \`${p}\` but the handler's routes live under basePath \`${base}\`: register it with prefix \`${base}\` (or none), or set basePath to the full path under \`${p}\``,
      { path: "basePath" },
    );
  }
  return base.slice(p.length);
}

/** A Fastify error as the envelope says it: 4xx kept with a code of ours, the rest internal. */
function asRefusal(error: FastifyError): unknown {
  if (error instanceof DaichoError || error instanceof HttpRefusal) return error;
  if (error.statusCode === 415)
    return new HttpRefusal(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      "send the body as JSON with `content-type: application/json`",
      {
        accept: "application/json",
      },
    );
  if (error.statusCode !== undefined && error.statusCode >= 400 && error.statusCode < 500)
    return new DaichoError("DECODE_ERROR", "the request could not be read", { path: "$request" });
  return error;
}

function isReadable(body: unknown): body is Readable {
  return typeof (body as Readable | undefined)?.read === "function";
}

async function send(
  reply: FastifyReply,
  response: Response,
  raw: IncomingMessage,
): Promise<FastifyReply> {
  const body = Buffer.from(await response.arrayBuffer());
  reply.code(response.status).headers(headersOf(response, raw));
  if (mustClose(raw)) reply.header("connection", "close");
  return reply.send(body);
}
