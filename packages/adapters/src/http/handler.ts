import { DaichoError, type Ledger } from "@daicho/core";
import type { ErasureService } from "@daicho/core/erasure";
import { subjectAccess } from "@daicho/core/subject-access";
import { errorResponse, json } from "./errors";

/** Who is calling, as the host's authentication established it. */
export interface Principal {
  /** The actor id recorded in the ledger for what this caller does. */
  readonly actorId: string;
  readonly role?: string;
}

/** What a caller asks to do; the host's `authorize` decides. */
export type DsrAction =
  | "access"
  | "erasure.request"
  | "erasure.execute"
  | "erasure.status"
  | "erasure.list";

export interface DsrHandlerOptions {
  readonly ledger: Ledger;
  readonly erasure: ErasureService;
  /** Establish the caller from the request (session cookie, bearer token, mTLS header…); null → 401. */
  readonly authenticate: (request: Request) => Promise<Principal | null> | Principal | null;
  /** May this caller do `action` (about `subject`)? Default: any authenticated caller may. Denials are recorded. */
  readonly authorize?: (
    principal: Principal,
    action: DsrAction,
    subject: string | undefined,
  ) => Promise<boolean> | boolean;
  /** Path prefix the routes live under, e.g. `/dsr` (default: none). */
  readonly basePath?: string;
  /** Largest request body in bytes (default 16 KiB). */
  readonly maxBodyBytes?: number;
}

type Route = {
  action: DsrAction;
  method: string;
  subject?: string;
  requestId?: string;
  tail?: string;
};

/**
 * A framework-neutral handler for data-subject requests: web-standard `Request` in,
 * `Response` out, so it mounts in Hono, Express or Fastify (through their fetch
 * adapters), Deno, Bun or a serverless function. Authentication is the host's
 * `authenticate`; authorisation its `authorize`. Routes (under `basePath`):
 *
 * - `GET  /subjects/:subject/access` — subject access report (GDPR Art. 15/20), recorded as an export
 * - `POST /subjects/:subject/erasure` — record an erasure request `{ channel, reason?, regime? }`;
 *   `requestedBy` is always the authenticated principal
 * - `GET  /erasure-requests` — open requests with deadlines
 * - `GET  /erasure-requests/:id` — one request's status
 * - `POST /erasure-requests/:id/execute` — execute: 200 with the certificate, 409 when held or exempt
 * - `GET  /erasure-requests/:id/certificate` — the signed certificate of a completed request
 *
 * Errors are JSON `{ error: { code, reason, path, details } }` with no personal values.
 */
export function dsrHandler(options: DsrHandlerOptions): (request: Request) => Promise<Response> {
  const base = (options.basePath ?? "").replace(/\/+$/, "");
  const maxBody = options.maxBodyBytes ?? 16 * 1024;
  return async (request) => {
    try {
      const route = matchRoute(request, base);
      if (route === undefined)
        return json(404, { error: { code: "NOT_FOUND", reason: "no such route" } });
      if (route.method !== request.method) {
        return new Response(null, { status: 405, headers: { allow: route.method } });
      }
      const principal = await options.authenticate(request);
      if (principal === null) {
        return new Response(
          JSON.stringify({ error: { code: "UNAUTHENTICATED", reason: "authentication required" } }),
          {
            status: 401,
            headers: {
              "content-type": "application/json; charset=utf-8",
              "www-authenticate": "Bearer",
            },
          },
        );
      }
      const subject = route.subject;
      const allowed =
        options.authorize === undefined
          ? true
          : await options.authorize(principal, route.action, subject);
      if (!allowed) {
        await recordDenial(options.ledger, principal, route.action, subject);
        return json(403, { error: { code: "FORBIDDEN", reason: "not allowed" } });
      }
      return await dispatch(options, route, principal, request, maxBody);
    } catch (e) {
      return errorResponse(e);
    }
  };
}

async function dispatch(
  options: DsrHandlerOptions,
  route: Route,
  principal: Principal,
  request: Request,
  maxBody: number,
): Promise<Response> {
  const actor =
    principal.role === undefined
      ? { id: principal.actorId }
      : { id: principal.actorId, role: principal.role };
  switch (route.action) {
    case "access":
      return json(
        200,
        await subjectAccess(options.ledger, route.subject as string, { recordAs: actor }),
      );
    case "erasure.request": {
      const body = await readJson(request, maxBody);
      const status = await options.erasure.request(
        route.subject as string,
        // The authenticated principal is who asked; the body cannot name someone else.
        { ...body, requestedBy: principal.actorId } as never,
      );
      return json(201, status);
    }
    case "erasure.list":
      return json(200, { requests: await options.erasure.openRequests() });
    case "erasure.status":
      if (route.tail === "certificate")
        return json(200, await options.erasure.certificate(route.requestId as string));
      return json(200, await options.erasure.status(route.requestId as string));
    case "erasure.execute":
      return json(200, await options.erasure.execute(route.requestId as string));
  }
}

function matchRoute(request: Request, base: string): Route | undefined {
  const path = new URL(request.url).pathname;
  if (!path.startsWith(`${base}/`)) return undefined;
  const parts = path
    .slice(base.length + 1)
    .split("/")
    .map(safeDecode);
  if (parts.some((p) => p === undefined)) return undefined;
  const [a, b, c, d] = parts as string[];
  if (a === "subjects" && b !== undefined && d === undefined) {
    if (c === "access") return { action: "access", method: "GET", subject: b };
    if (c === "erasure") return { action: "erasure.request", method: "POST", subject: b };
  }
  if (a === "erasure-requests") {
    if (b === undefined || b === "") return { action: "erasure.list", method: "GET" };
    if (c === undefined) return { action: "erasure.status", method: "GET", requestId: b };
    if (c === "execute" && d === undefined)
      return { action: "erasure.execute", method: "POST", requestId: b };
    if (c === "certificate" && d === undefined)
      return { action: "erasure.status", method: "GET", requestId: b, tail: "certificate" };
  }
  return undefined;
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}

/** Read a bounded JSON object body; a missing body is `{}`. */
async function readJson(request: Request, maxBytes: number): Promise<Record<string, unknown>> {
  const text = await request.text();
  if (new TextEncoder().encode(text).length > maxBytes) {
    throw new DaichoError("PAYLOAD_TOO_LARGE", `request body exceeds ${maxBytes} bytes`, {
      path: "body",
    });
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DaichoError("DECODE_ERROR", "request body is not JSON", { path: "body" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DaichoError("DECODE_ERROR", "request body must be a JSON object", { path: "body" });
  }
  return value as Record<string, unknown>;
}

/** PCI DSS 10.2.1: a refused attempt is an event too (only when the subject id is well-formed). */
async function recordDenial(
  ledger: Ledger,
  principal: Principal,
  action: DsrAction,
  subject: string | undefined,
): Promise<void> {
  try {
    await ledger.append({
      type: "data.accessed",
      actor:
        principal.role === undefined
          ? { id: principal.actorId }
          : { id: principal.actorId, role: principal.role },
      ...(subject === undefined ? {} : { subjects: [subject] }),
      payload: {
        resource: { type: "data-subject-request", id: subject ?? "all" },
        fields: [],
        purpose: action === "access" ? "subject-access" : "erasure",
        outcome: "denied",
        reason: "not-authorised",
      },
    });
  } catch {
    // A malformed subject or actor id cannot be recorded; the 403 stands regardless.
  }
}
