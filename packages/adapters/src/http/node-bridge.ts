/**
 * The bridge between Node's `http` objects (which Express and Fastify hand their routes)
 * and the web-standard handler: a `Request` whose body streams from the socket only as
 * fast as the handler reads it, and the `Response` written back unchanged. Internal to the
 * framework adapters; not exported as a subpath of its own.
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import type { Readable } from "node:stream";
import { DaichoError } from "@daicho/core";
import { errorResponse, HttpRefusal } from "./errors";
import type { DsrHandler } from "./handler";
import { matchRoute } from "./routes";

/** Where a request came in, as the framework established it (proxy settings applied). */
export interface RequestTarget {
  /** `http` or `https`; anything else is taken as `http`. */
  readonly protocol: string | undefined;
  /** The `Host` (with port), or `undefined` when the client sent none. */
  readonly host: string | undefined;
  /** The full request target as the client sent it, mount prefix included. */
  readonly target: string;
}

/** Methods a web `Request` refuses to carry; they never name a route here. */
const FORBIDDEN_METHODS = new Set(["CONNECT", "TRACE", "TRACK"]);
const HOST = /^(?:[A-Za-z0-9._-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

/**
 * The path of a request target: origin-form (`/a/b?q`) as it stands, absolute-form
 * (`http://host/a/b?q`, RFC 9112 §3.2.2) by its path; `undefined` for anything else
 * (`*`, authority-form), which names no route.
 */
export function pathOf(target: string): { path: string; search: string } | undefined {
  let rest = target;
  if (!rest.startsWith("/")) {
    const absolute = /^https?:\/\/[^/?#]*([/?].*)?$/i.exec(rest);
    if (absolute === null) return undefined;
    rest = absolute[1] ?? "/";
    if (rest.startsWith("?")) rest = `/${rest}`;
  }
  const q = rest.indexOf("?");
  return q === -1 ? { path: rest, search: "" } : { path: rest.slice(0, q), search: rest.slice(q) };
}

/** Is `path` at or under `base` (`""` is the root, under which every path lies)? */
export function isUnder(path: string, base: string): boolean {
  return base === "" || path === base || path.startsWith(`${base}/`);
}

/**
 * The absolute URL the handler sees. The path must already be in normal form: a `.` or
 * `..` segment, a backslash or a character the URL parser would re-encode means the
 * framework routed one path and the handler would route another, so it is refused
 * rather than resolved.
 */
function urlOf(where: RequestTarget): string {
  const parts = pathOf(where.target);
  if (parts === undefined) throw notNormal();
  const host = where.host === undefined || where.host === "" ? "localhost" : where.host;
  // The Host header is the client's text; it only names the origin, never a route.
  if (!HOST.test(host)) {
    throw new DaichoError("DECODE_ERROR", "the Host header is not a host name", {
      path: "$headers.host",
    });
  }
  const protocol = where.protocol === "https" ? "https" : "http";
  let url: URL;
  try {
    url = new URL(`${protocol}://${host}${parts.path}${parts.search}`);
  } catch {
    throw notNormal();
  }
  if (url.pathname !== parts.path) throw notNormal();
  return url.href;
}

function notNormal(): DaichoError {
  return new DaichoError(
    "DECODE_ERROR",
    "the request path is not in normal form: send it without `.` or `..` segments, backslashes or characters that need percent-encoding",
    { path: "$url" },
  );
}

/**
 * Has something (a body parser mounted before the handler, a logging middleware) already
 * started reading the body? Then what the handler would read is a remainder or nothing,
 * and an erasure request would be filed without what the person wrote.
 */
export function bodyAlreadyRead(body: Readable): boolean {
  return body.readableDidRead || body.readableEnded || body.readableFlowing !== null;
}

/** Refusal for a body that another parser consumed: the host's mounting mistake. */
export function bodyReadError(framework: string): DaichoError {
  return new DaichoError(
    "INVALID_ARGUMENT",
    `the request body was already read before the DSR routes saw it: mount the ${framework} adapter before any body parser (express.json(), bodyParser…), or keep that parser off the DSR routes`,
    { path: "body" },
  );
}

/**
 * A web stream over a Node stream, pulled on demand (high-water mark 0): the socket is
 * read only as the handler asks, so a body over the handler's limit is never buffered.
 * Cancelling stops pulling and leaves the socket open, so the refusal can still be
 * written; the caller then closes the connection.
 */
function pulled(source: Readable): ReadableStream<Uint8Array> {
  const chunks = source.iterator({ destroyOnReturn: false });
  return new ReadableStream<Uint8Array>(
    {
      async pull(controller) {
        const { done, value } = await chunks.next();
        if (done) controller.close();
        else controller.enqueue(typeof value === "string" ? Buffer.from(value) : value);
      },
      async cancel() {
        await chunks.return?.();
      },
    },
    { highWaterMark: 0 },
  );
}

/**
 * Run `handler` on a Node request: build the web `Request` (headers as sent, the body
 * streamed from `body`, by default the request itself), and answer a request that cannot
 * become one (a method `Request` refuses, a path not in normal form, a hostile `Host`)
 * with the same JSON error envelope. Never rejects.
 */
export async function respond(
  handler: DsrHandler,
  req: IncomingMessage,
  where: RequestTarget,
  body: Readable = req,
): Promise<Response> {
  try {
    const url = urlOf(where);
    const method = (req.method ?? "GET").toUpperCase();
    if (FORBIDDEN_METHODS.has(method)) {
      // The handler's answer to a method no route has, without a `Request` to carry it.
      const route = matchRoute(url, handler.basePath);
      if (route === undefined) throw new HttpRefusal(404, "NOT_FOUND", "no such route");
      throw new HttpRefusal(405, "METHOD_NOT_ALLOWED", `this route answers ${route.method}`, {
        allow: route.method,
      });
    }
    const headers = new Headers();
    for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
      const name = req.rawHeaders[i] as string;
      // HTTP/2 pseudo-headers (`:path`, `:authority`…) are in the URL already.
      if (!name.startsWith(":")) headers.append(name, req.rawHeaders[i + 1] as string);
    }
    const hasBody = method !== "GET" && method !== "HEAD";
    const request = new Request(url, {
      method,
      headers,
      body: hasBody ? pulled(body) : null,
      duplex: "half",
    } as RequestInit);
    return await handler(request);
  } catch (e) {
    return errorResponse(e);
  }
}

/**
 * The response's headers as Node wants them (`set-cookie` as a list). Over HTTP/2 the
 * connection-level `connection` header is left out: Node drops it there with a process
 * warning, and a refusal's stream ends with the response anyway.
 */
export function headersOf(
  response: Response,
  req: IncomingMessage,
): Record<string, string | string[]> {
  const out: Record<string, string | string[]> = {};
  const http2 = req.httpVersionMajor >= 2;
  response.headers.forEach((value, name) => {
    if (name !== "set-cookie" && !(http2 && name === "connection")) out[name] = value;
  });
  const cookies = response.headers.getSetCookie();
  if (cookies.length > 0) out["set-cookie"] = cookies;
  return out;
}

/**
 * Must the connection close after this answer? When the request's body has not all
 * arrived (a refusal before or while it streamed), keeping the connection would make Node
 * read and discard the rest: a 256 MiB body sent to a 401 would still be read whole.
 */
export function mustClose(req: IncomingMessage): boolean {
  return !req.complete && req.httpVersionMajor < 2;
}

/** Write `response` to a Node `ServerResponse`: status, headers and body unchanged. */
export async function writeResponse(
  req: IncomingMessage,
  res: ServerResponse,
  response: Response,
): Promise<void> {
  const body = Buffer.from(await response.arrayBuffer());
  if (res.headersSent) return;
  res.statusCode = response.status;
  for (const [name, value] of Object.entries(headersOf(response, req))) res.setHeader(name, value);
  if (mustClose(req)) res.setHeader("connection", "close");
  res.setHeader("content-length", body.byteLength);
  res.end(body);
}
