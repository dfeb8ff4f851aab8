/**
 * @daicho/adapters/http/express — mount the DSR handler in Express 5.
 *
 * ```ts
 * const handler = dsrHandler({ ledger, erasure, authenticate, authorize, basePath: "/dsr" });
 * app.use("/dsr", dsrExpress(handler)); // before any body parser, or with none on /dsr
 * ```
 *
 * Nothing here imports Express: the middleware is typed against Node's `http` objects and
 * the few members Express adds, so the adapter costs users of other frameworks nothing.
 *
 * @module @daicho/adapters/http/express
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { DaichoError } from "@daicho/core";
import type { DsrHandler } from "../handler";
import {
  bodyAlreadyRead,
  bodyReadError,
  isUnder,
  pathOf,
  respond,
  writeResponse,
} from "../node-bridge";

/** The members of Express's `req` the adapter reads (an Express `Request` has them all). */
export interface ExpressRequestLike extends IncomingMessage {
  /** The URL as the client sent it; Express strips the mount prefix from `url`, not from this. */
  readonly originalUrl?: string;
  /** The path the middleware is mounted at, as this request matched it. */
  readonly baseUrl?: string;
  /** `http` or `https`, with Express's `trust proxy` setting applied. */
  readonly protocol?: string;
  /** The host (and port), with Express's `trust proxy` setting applied. */
  readonly host?: string;
}

/** An Express middleware: `(req, res, next)`; assignable to Express's `RequestHandler`. */
export type ExpressMiddleware = (
  req: ExpressRequestLike,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void;

/**
 * Express 5 middleware serving `handler`'s routes. It routes on `req.originalUrl`, the
 * path the client sent (Express strips the mount prefix from `req.url`), so `basePath`
 * is the full path and the middleware may be mounted at it (`app.use("/dsr", …)`), at a
 * prefix of it, or at the root. Requests outside `basePath` go on to `next()`. The body
 * is streamed into the `Request` as the handler reads it, so `maxBodyBytes` holds while
 * it arrives; status, headers (`allow`, `www-authenticate`, `content-type`…) and the JSON
 * error envelope pass through unchanged, and a refusal sent before the body has all
 * arrived closes the connection. Two mounting mistakes reach Express's error handler
 * (`next(error)`, a `DaichoError` with code `INVALID_ARGUMENT`) instead of silently
 * answering 404 or filing a request without its body: a mount path under which no route
 * of `basePath` can lie, and a body parser (`express.json()`) that read the body first.
 */
export function dsrExpress(handler: DsrHandler): ExpressMiddleware {
  const base = handler.basePath;
  return (req, res, next) => {
    const target = req.originalUrl ?? req.url ?? "/";
    const parts = pathOf(target);
    if (parts === undefined || !isUnder(parts.path, base)) {
      const mount = req.baseUrl ?? "";
      next(canServeUnder(mount, base) ? undefined : mountError(mount, base));
      return;
    }
    const method = req.method ?? "GET";
    if (method !== "GET" && method !== "HEAD" && bodyAlreadyRead(req)) {
      next(bodyReadError("Express"));
      return;
    }
    const where = { protocol: req.protocol, host: req.host ?? req.headers.host, target };
    respond(handler, req, where)
      .then((response) => writeResponse(req, res, response))
      .catch(next);
  };
}

/**
 * Could any path under `base` arrive through a mount at `mount`? Yes when one is a
 * prefix of the other, segment-wise (Express matches mount paths case-insensitively).
 */
function canServeUnder(mount: string, base: string): boolean {
  const m = mount.toLowerCase();
  const b = base.toLowerCase();
  return isUnder(m, b) || isUnder(b, m);
}

function mountError(mount: string, base: string): DaichoError {
  return new DaichoError(
    "INVALID_ARGUMENT",
    `dsrExpress is mounted at \`${mount}\` but the handler's routes live under basePath \`${base}\`, so every request would miss: mount it at \`${base || "/"}\` (app.use("${base || "/"}", dsrExpress(handler))) or set basePath to the full path under \`${mount}\``,
    { path: "basePath" },
  );
}
