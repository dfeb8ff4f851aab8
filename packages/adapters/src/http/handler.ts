import {
  CategoryName,
  DaichoError,
  decodeWith,
  isDaichoError,
  Label,
  type Ledger,
  type RequestRight,
  strictStruct,
} from "@daicho/core";
import type { TrustPolicy } from "@daicho/core/checkpoint";
import { type ErasureService, ErasureStatement } from "@daicho/core/erasure";
import { exportExtract } from "@daicho/core/extract";
import type { MapStore } from "@daicho/core/map";
import type { LedgerTree } from "@daicho/core/merkle";
import type { RequestsService } from "@daicho/core/requests";
import { subjectAccess } from "@daicho/core/subject-access";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import {
  type Authorize,
  actorOf,
  isAllowed,
  type Principal,
  recordDenial,
  type Target,
} from "./authorization";
import { readJsonObject, requireJsonContentType } from "./body";
import { errorResponse, HttpRefusal, json } from "./errors";
import { dispatchRequestRoute } from "./request-routes";
import { matchRoute, type Route } from "./routes";

/** Channels a caller may name for an erasure request when the host lists none. */
export const DEFAULT_CHANNELS = ["web-form", "email", "phone", "post", "in-person", "app"] as const;

export interface DsrHandlerOptions {
  readonly ledger: Ledger;
  readonly erasure: ErasureService;
  /** Establish the caller from the request (session cookie, bearer token, mTLS header…); null → 401. */
  readonly authenticate: (request: Request) => Promise<Principal | null> | Principal | null;
  /**
   * May this staff member do `action` (about `subject`)? Asked only about staff calls
   * (principals without `subject`); left out, every staff call is refused. Data subjects
   * may act on themselves only, and this cannot widen that. Denials are recorded.
   */
  readonly authorize?: Authorize;
  /**
   * Path prefix the routes live under, e.g. `/dsr` (default: none): the full path as the
   * client sends it, including any prefix a framework mounts the handler under.
   */
  readonly basePath?: string;
  /** Largest request body in bytes (default 16 KiB), enforced while the body streams in. */
  readonly maxBodyBytes?: number;
  /**
   * The channels a caller may name in an erasure request; the first is used when the body
   * names none (default {@link DEFAULT_CHANNELS}). A closed list: a caller's text never
   * becomes a label in the log.
   */
  readonly channels?: readonly string[];
  /**
   * The data-subject request service (`@daicho/core/requests`) behind the `/requests`
   * routes; left out, those routes answer 404.
   */
  readonly requests?: RequestsService;
  /**
   * The rights a caller may file with `POST /subjects/:subject/requests` (for example
   * `["gdpr.access", "gdpr.rectification"]` for an EU service): the right names its regime
   * and so its deadline, which is the host's choice. Left out, none.
   */
  readonly requestRights?: readonly RequestRight[];
  /**
   * Serve verifiable extracts (docs/spec.md §12.6) on `GET /subjects/:subject/extract`:
   * the ledger's Merkle tree, the policy an extract must verify under before it is sent
   * (the log's verifier key at least) and, optionally, the map store. Left out, the route
   * answers 404. An extract whose events also name another subject is never sent over
   * HTTP (400, `details.sharedEvents`): it would reveal that person's id (spec §12.7).
   */
  readonly extract?: {
    readonly tree: LedgerTree;
    readonly policy: TrustPolicy;
    readonly map?: MapStore;
  };
}

/**
 * What {@link dsrHandler} returns: the web-standard `Request → Response` function, and the
 * `basePath` its routes live under (normalised: `""` or `/segment…` without a trailing
 * slash), which the framework adapters read to mount it.
 */
export interface DsrHandler {
  (request: Request): Promise<Response>;
  readonly basePath: string;
}

/**
 * A framework-neutral handler for data-subject requests: web-standard `Request` in,
 * `Response` out, so it mounts in Hono, Express or Fastify (through their fetch
 * adapters), Deno, Bun or a serverless function. Authentication is the host's
 * `authenticate`; staff authorisation its `authorize` (see `isAllowed` for the rule).
 * Routes (under `basePath`):
 *
 * - `GET  /subjects/:subject/access` — subject access report (GDPR Art. 15/20), recorded as an export
 * - `GET  /subjects/:subject/extract` — verifiable extract anchored to the latest checkpoint
 *   (only with `extract`), recorded as an export when the ledger knows the subject
 * - `POST /subjects/:subject/erasure` — record an erasure request `{ channel?, reason?,
 *   category? }`; the requester is the authenticated principal, the deadline the regime's,
 *   and `reason` (the requester's own words) is sealed under the subject's key as
 *   `erasure.statement`; `category` limits it to one erasure category the ledger declares
 *   (400 `INVALID_ARGUMENT` for any other; docs/spec.md §10.11)
 * - `GET  /erasure-requests` — open requests with deadlines (staff)
 * - `GET  /erasure-requests/:id` — one request's status
 * - `POST /erasure-requests/:id/execute` — execute (staff): 200 with the certificate, 409 when held or exempt
 * - `GET  /erasure-requests/:id/certificate` — the signed certificate of a completed request
 * - `POST /subjects/:subject/requests` — file a request for another right `{ right, channel?,
 *   statement? }` (`right` one of `requestRights`); `GET /requests/:id` — follow it
 * - `GET  /requests` (staff) — open requests; `POST /requests/:id/verify-identity | extend |
 *   refuse | complete` (staff); `GET /requests/:id/recipients` (staff) — GDPR Art. 19
 *
 * Every POST needs `content-type: application/json` (else 415). Every error, 404 and 405
 * included, is JSON `{ error: { code, reason, path?, details? } }` with no personal values.
 */
export function dsrHandler(options: DsrHandlerOptions): DsrHandler {
  const base = checkedBasePath(options.basePath ?? "");
  const maxBody = options.maxBodyBytes ?? 16 * 1024;
  // A NaN or negative limit would compare false and let any body through: refuse it.
  if (!Number.isSafeInteger(maxBody) || maxBody < 0) {
    throw new DaichoError("INVALID_ARGUMENT", "`maxBodyBytes` must be a non-negative integer", {
      path: "maxBodyBytes",
    });
  }
  const channels = checkedChannels(options.channels ?? DEFAULT_CHANNELS);
  const requestBody = erasureRequestBody(channels);
  const handle = async (request: Request): Promise<Response> => {
    try {
      const route = matchRoute(request.url, base);
      if (
        route === undefined ||
        (isRequestRoute(route) && options.requests === undefined) ||
        (route.action === "extract" && options.extract === undefined)
      )
        throw new HttpRefusal(404, "NOT_FOUND", "no such route");
      if (route.method !== request.method) {
        throw new HttpRefusal(405, "METHOD_NOT_ALLOWED", `this route answers ${route.method}`, {
          allow: route.method,
        });
      }
      const principal = await options.authenticate(request);
      if (principal === null) {
        throw new HttpRefusal(401, "UNAUTHENTICATED", "authentication required", {
          "www-authenticate": "Bearer",
        });
      }
      const target = await targetOf(route, async (id) =>
        isRequestRoute(route)
          ? (await (options.requests as RequestsService).get(id)).subject
          : (await options.erasure.status(id)).subject,
      );
      if (!(await isAllowed(principal, route.action, target, options.authorize))) {
        await recordDenial(options.ledger, principal, route.action, target);
        throw new HttpRefusal(403, "FORBIDDEN", "not allowed");
      }
      let body: Record<string, unknown> = {};
      if (route.method === "POST") {
        requireJsonContentType(request);
        body = await readJsonObject(request, maxBody);
      }
      if (isRequestRoute(route)) {
        return await dispatchRequestRoute(
          {
            requests: options.requests as RequestsService,
            rights: options.requestRights ?? [],
            channels,
          },
          route,
          principal,
          body,
        );
      }
      const decoded = decodeBody(route, body, requestBody);
      return await dispatch(options, route, principal, { channel: channels[0], ...decoded });
    } catch (e) {
      return errorResponse(e, request.body !== null && !request.bodyUsed);
    }
  };
  return Object.assign(handle, { basePath: base });
}

/**
 * A base path is `""` or `/`-separated segments of unreserved URL characters: one that
 * lacks the leading `/`, or holds `.`/`..` segments, a query or percent signs, could never
 * match a request path, and every route would answer 404.
 */
function checkedBasePath(basePath: string): string {
  const base = basePath.replace(/\/+$/, "");
  if (base !== "" && !/^(?:\/(?!\.\.?(?:\/|$))[A-Za-z0-9._~!$&'()*+,;=:@-]+)+$/.test(base)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "`basePath` must be empty or a path such as `/dsr` or `/api/dsr` (a leading `/`, no `.` or `..` segments, no query, no percent-encoding)",
      { path: "basePath" },
    );
  }
  return base;
}

/**
 * The subject a route is about; for request-id routes, the subject of that request, looked
 * up with `requestSubject` (`unknown` for no such request, or an id that is not an Id).
 */
async function targetOf(
  route: Route,
  requestSubject: (requestId: string) => Promise<string>,
): Promise<Target> {
  if (route.subject !== undefined) return { kind: "subject", subject: route.subject };
  if (route.requestId === undefined) return { kind: "all" };
  try {
    return { kind: "subject", subject: await requestSubject(route.requestId) };
  } catch (e) {
    if (isDaichoError(e, "NOT_FOUND") || isDaichoError(e, "DECODE_ERROR"))
      return { kind: "unknown" };
    throw e;
  }
}

function isRequestRoute(route: Route): boolean {
  return route.action.startsWith("request.");
}

type RequestBody = { channel?: string; reason?: string; category?: CategoryName };

/** The channel list must be non-empty labels; the first is the default. */
function checkedChannels(channels: readonly string[]): readonly [string, ...string[]] {
  const [first, ...rest] = channels;
  if (first === undefined || !channels.every((c) => Label.is(c))) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "`channels` must list at least one label (lower-case letters, digits, `.`, `_`, `:`, `-`)",
      { path: "channels" },
    );
  }
  return [first, ...rest];
}

function erasureRequestBody(channels: readonly string[]): t.Type<RequestBody, unknown> {
  const channel = t.keyof(
    Object.fromEntries(channels.map((c) => [c, null])) as Record<string, null>,
    "Channel",
  );
  return strictStruct(
    "ErasureRequestBody",
    {},
    { channel, reason: ErasureStatement, category: CategoryName },
  );
}

/** Members a caller may not set: the library takes them from the host, never from the body. */
const HOST_ONLY: Readonly<Record<string, string>> = {
  dueBy: "the deadline follows the legal regime the host configured; a caller cannot set `dueBy`",
  regime: "the legal regime is the host's configuration; a caller cannot choose it",
  requestedBy: "the requester is the authenticated caller; the body cannot name another",
};

function decodeBody(
  route: Route,
  body: Record<string, unknown>,
  requestBody: t.Type<RequestBody, unknown>,
): RequestBody {
  if (route.action === "erasure.request") {
    for (const key of Object.keys(body)) {
      // `Object.hasOwn`: a body member named `__proto__` must not find the prototype.
      if (Object.hasOwn(HOST_ONLY, key))
        throw new DaichoError("INVALID_ARGUMENT", HOST_ONLY[key] as string, {
          path: `$body.${key}`,
        });
    }
  }
  const decoded = decodeWith(
    route.action === "erasure.request" ? requestBody : NoBody,
    body,
    "$body",
  );
  if (E.isLeft(decoded)) throw decoded.left;
  return decoded.right;
}

const NoBody: t.Type<RequestBody, unknown> = strictStruct("EmptyBody", {});

async function dispatch(
  options: DsrHandlerOptions,
  route: Route,
  principal: Principal,
  body: RequestBody,
): Promise<Response> {
  switch (route.action) {
    case "access":
      return json(
        200,
        await subjectAccess(options.ledger, route.subject as string, {
          recordAs: actorOf(principal),
        }),
      );
    case "extract":
      return json(200, await extractFor(options, route.subject as string, principal));
    case "erasure.request":
      return json(
        201,
        await options.erasure.request(route.subject as string, {
          requestedBy: principal.actorId,
          channel: body.channel as string,
          ...(body.reason === undefined ? {} : { statement: body.reason }),
          ...(body.category === undefined ? {} : { category: body.category }),
        }),
      );
    case "erasure.list":
      return json(200, { requests: await options.erasure.openRequests() });
    case "erasure.status":
      return json(200, await options.erasure.status(route.requestId as string));
    case "erasure.certificate":
      return json(200, await options.erasure.certificate(route.requestId as string));
    case "erasure.execute":
      return json(200, await options.erasure.execute(route.requestId as string));
    default:
      throw new HttpRefusal(404, "NOT_FOUND", "no such route");
  }
}

/**
 * The subject's extract as of the latest checkpoint, never revealing a co-subject; its
 * sending is recorded as an export when the ledger knows the subject (an id that names
 * nothing is the caller's text and is not written into the log).
 */
async function extractFor(options: DsrHandlerOptions, subject: string, principal: Principal) {
  const { tree, policy, map } = options.extract as NonNullable<DsrHandlerOptions["extract"]>;
  const extract = await exportExtract(tree, options.ledger.ledgerId, {
    subjects: [subject],
    policy,
    shared: "refuse",
    ...(map === undefined ? {} : { map }),
  });
  if (extract.events.length > 0) {
    await options.ledger.append({
      type: "data.exported",
      actor: actorOf(principal),
      subjects: [subject],
      payload: {
        format: "json",
        destination: { kind: "data-subject", id: subject },
        recordCount: extract.events.length,
        fields: [],
        purpose: "subject-access",
      },
    });
  }
  return extract;
}
