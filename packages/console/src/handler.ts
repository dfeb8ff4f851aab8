/**
 * `consoleHandler`: the whole console as one web-standard `Request → Response` function,
 * page and API, for a CRM to mount under its own login.
 */
import { errorResponse, HttpRefusal, json, readJsonObject } from "@daicho/adapters/http";
import { DaichoError, decodeWith, Id } from "@daicho/core";
import * as E from "fp-ts/lib/Either.js";
import type * as t from "io-ts";
import {
  AcknowledgeBody,
  acknowledge,
  alertDetail,
  listAlerts,
  ResolveBody,
  resolve,
} from "./alerts";
import { asset, PAGE_HEADERS } from "./assets";
import { LedgerContext } from "./context";
import {
  bundleExport,
  checkpointExport,
  type Download,
  processingExport,
  provisionExport,
} from "./exports";
import { checkSameOrigin } from "./guard";
import { PlaceHoldBody, placeHold, ReleaseHoldBody, releaseHold } from "./holds";
import { incidentAction, incidentDetail, incidentReport, listIncidents } from "./incidents-queue";
import {
  actorOf,
  type ConsoleActor,
  type ConsoleOptions,
  type ConsoleUser,
  checkedAuthenticate,
  DEFAULT_PURPOSES,
  ledgersOf,
} from "./options";
import { EmptyBody, listQueue, QUEUE_SOURCES, queueAction } from "./queue";
import { recordDenial } from "./record";
import { requestQueue, requestRecipients } from "./requests-queue";
import { allowedActions, type ConsoleAction, mayDo } from "./roles";
import { statusOf } from "./status";
import { purposeCodec, searchSubjects, viewSubject } from "./subjects";
import type { WatchReport } from "./watch";

/** The handler, with the base path it answers under (for the framework adapters). */
export interface ConsoleHandler {
  (request: Request): Promise<Response>;
  readonly basePath: string;
  /**
   * Verify and fold every ledger up to its current head now (the one full pass a first
   * page would otherwise wait for). Call it at start-up, before routing users to the
   * console; resolves with each ledger's report.
   */
  catchUp(): Promise<readonly WatchReport[]>;
  /**
   * Fold the request and incident services' shared views now (each reads the ledger once
   * per process, from genesis), so the first request or incident action does not wait for
   * it. Optional; call it at start-up beside `catchUp()`.
   */
  warmServices(): Promise<void>;
}

/** What a route handler is given once the user is authenticated and the ledger chosen. */
interface Call {
  readonly request: Request;
  readonly url: URL;
  readonly user: ConsoleUser;
  readonly actor: ConsoleActor;
  readonly ctx: LedgerContext;
  /** Path segments after `/api/`. */
  readonly parts: readonly string[];
}

/**
 * Build the console handler. Routes, under `basePath`: `GET /` (the page), `GET
 * /assets/:file`, and the JSON API under `/api/` (docs/console.md). Authentication is the
 * host's `authenticate` — required: without it this throws `INVALID_ARGUMENT` rather than
 * build an open console. Every API call needs the console header, every POST the console's
 * own origin and JSON (see `checkSameOrigin`); bodies and parameters are decoded with io-ts
 * and bad input is a typed JSON error that changes nothing. A call the user's roles do not
 * allow is refused (403) and recorded as a denied access.
 */
export function consoleHandler(options: ConsoleOptions): ConsoleHandler {
  const authenticate = checkedAuthenticate(options);
  const clock = options.clock ?? (() => new Date());
  const contexts = ledgersOf(options).map((l) => new LedgerContext(l, clock));
  const base = (options.basePath ?? "").replace(/\/+$/, "");
  if (base !== "" && !/^(?:\/[A-Za-z0-9._~-]+)+$/.test(base))
    throw new DaichoError("INVALID_ARGUMENT", "`basePath` must be empty or like `/compliance`", {
      path: "basePath",
    });
  const purposes = purposeCodec(options.purposes ?? DEFAULT_PURPOSES);
  const maxBody = options.maxBodyBytes ?? 16 * 1024;

  const handle = async (request: Request): Promise<Response> => {
    try {
      const url = new URL(request.url);
      if (url.pathname !== base && !url.pathname.startsWith(`${base}/`))
        throw new HttpRefusal(404, "NOT_FOUND", "no such route");
      const path = url.pathname.slice(base.length);
      if (path === "")
        return new Response(null, { status: 308, headers: { location: `${base}/` } });
      if (!path.startsWith("/api/")) return await page(request, path, authenticate);
      checkSameOrigin(request, options.allowedOrigins);
      const user = await authenticated(request, authenticate);
      const actor = actorOf(user);
      if (actor === undefined)
        throw new HttpRefusal(403, "FORBIDDEN", "this user has no console role");
      const parts = path.slice("/api/".length).split("/");
      const ctx = pick(contexts, url.searchParams.get("ledger"));
      const call: Call = { request, url, user, actor, ctx, parts };
      return await route(call);
    } catch (e) {
      return errorResponse(e, request.body !== null && !request.bodyUsed);
    }
  };

  /** Refuse, and record the refusal, unless the user's roles allow `action`. */
  const allow = async (call: Call, action: ConsoleAction, subject?: string) => {
    if (mayDo(call.user.roles, action)) return;
    await recordDenial(call.ctx.ledger, call.actor, action, subject);
    throw new HttpRefusal(403, "FORBIDDEN", `your roles do not allow ${action}`);
  };

  const body = async <A>(call: Call, codec: t.Type<A, unknown, unknown>): Promise<A> => {
    const decoded = decodeWith(codec, await readJsonObject(call.request, maxBody), "$body");
    if (E.isLeft(decoded)) throw decoded.left;
    return decoded.right;
  };

  async function route(call: Call): Promise<Response> {
    const { request, parts, ctx, actor, url } = call;
    const [head, second, third, fourth] = parts;
    const get = request.method === "GET";
    const post = request.method === "POST";
    if (get && head === "me" && parts.length === 1) {
      return json(200, {
        actor: call.user.actor,
        roles: call.user.roles,
        locale: call.user.locale ?? "ja-JP",
        timeZone: call.user.timeZone ?? "Asia/Tokyo",
        actions: allowedActions(call.user.roles),
        ledgers: contexts.map((c) => c.ledger.ledgerId),
        purposes: Object.keys(purposes.keys),
        queueKinds: QUEUE_SOURCES.map((s) => s.kind),
      });
    }
    if (get && head === "status" && parts.length === 1) {
      await allow(call, "status.read");
      return json(200, await statusOf(ctx, clock()));
    }
    if (post && head === "verify" && parts.length === 1) {
      await allow(call, "verify.full");
      await body(call, EmptyBody);
      return json(200, await ctx.ledger.verify());
    }
    if (get && head === "subjects" && parts.length === 1) {
      await allow(call, "subject.search");
      return json(200, await searchSubjects(ctx, url.searchParams.get("q")));
    }
    if (get && head === "subjects" && second !== undefined && parts.length === 2) {
      const subject = decodeURIComponent(second);
      await allow(call, "subject.view", subject);
      const purpose = decodeWith(purposes, url.searchParams.get("purpose"), "purpose");
      if (E.isLeft(purpose)) throw purpose.left;
      return json(
        200,
        await viewSubject(ctx, actor, call.user.roles, subject, purpose.right, clock),
      );
    }
    if (get && head === "queue" && parts.length === 1) {
      await allow(call, "queue.read");
      return json(200, await listQueue(ctx, actor, clock()));
    }
    if (get && head === "queue" && second === "request" && third && fourth === "recipients") {
      const id = pathId(third, "id");
      await allow(call, "request.recipients", await requestQueue.subjectOf(ctx, actor, id));
      await ctx.beforeChange();
      return json(200, await requestRecipients(ctx, actor, id));
    }
    if (post && head === "queue" && second && third && fourth && parts.length === 4) {
      const { source, spec, id } = queueAction(second, third, fourth);
      await allow(call, spec.rule, await source.subjectOf(ctx, actor, id));
      const input = await body(call, spec.body);
      await ctx.beforeChange();
      return json(200, await spec.run(ctx, actor, id, input));
    }
    if (post && head === "holds" && parts.length === 1) {
      await allow(call, "hold.place");
      const input = await body(call, PlaceHoldBody);
      await ctx.beforeChange();
      return json(200, await placeHold(ctx, actor, input));
    }
    if (post && head === "holds" && second === "release" && parts.length === 2) {
      await allow(call, "hold.release");
      const input = await body(call, ReleaseHoldBody);
      await ctx.beforeChange();
      return json(200, await releaseHold(ctx, actor, input));
    }
    if (get && head === "alerts" && parts.length <= 2) {
      await allow(call, "alerts.read");
      if (second === undefined) return json(200, await listAlerts(ctx, url.searchParams));
      return json(200, await alertDetail(ctx, pathId(second, "alertId")));
    }
    if (post && head === "alerts" && second && parts.length === 3) {
      const alertId = pathId(second, "alertId");
      if (third === "acknowledge") {
        await allow(call, "alert.acknowledge");
        const input = await body(call, AcknowledgeBody);
        return json(200, await acknowledge(ctx, actor, alertId, input));
      }
      if (third === "resolve") {
        await allow(call, "alert.resolve");
        const input = await body(call, ResolveBody);
        return json(200, await resolve(ctx, actor, alertId, input));
      }
    }
    if (get && head === "incidents" && parts.length <= 3) {
      await allow(call, third === undefined ? "incidents.read" : "incident.report");
      if (second === undefined) return json(200, await listIncidents(ctx, clock()));
      const id = pathId(second, "incidentId");
      if (third === undefined) return json(200, await incidentDetail(ctx, id, clock()));
      if (third === "report")
        return download(await incidentReport(ctx, actor, id, url.searchParams));
    }
    if (post && head === "incidents" && second && third && parts.length === 3) {
      const spec = incidentAction(third);
      const id = pathId(second, "incidentId");
      await allow(call, spec.rule);
      const input = await body(call, spec.body);
      await ctx.beforeChange();
      return json(200, await spec.run(ctx, actor, id, input));
    }
    if (get && head === "exports" && second !== undefined && parts.length === 2) {
      const exporter = EXPORTS[second];
      if (exporter === undefined || !Object.hasOwn(EXPORTS, second))
        throw new HttpRefusal(404, "NOT_FOUND", "no such export");
      await allow(call, exporter.rule);
      await ctx.beforeChange();
      return download(await exporter.run(ctx, actor, url.searchParams));
    }
    throw new HttpRefusal(404, "NOT_FOUND", "no such route");
  }

  const catchUp = () => Promise.all(contexts.map((c) => c.watch.catchUp()));
  const warmServices = async () => {
    await Promise.all(contexts.map((c) => c.warmServices()));
  };
  return Object.assign(handle, { basePath: base, catchUp, warmServices });
}

const EXPORTS: Readonly<
  Record<
    string,
    {
      rule: ConsoleAction;
      run: (c: LedgerContext, a: ConsoleActor, q: URLSearchParams) => Promise<Download>;
    }
  >
> = {
  bundle: { rule: "export.bundle", run: bundleExport },
  checkpoint: { rule: "export.checkpoint", run: (c, a) => checkpointExport(c, a) },
  "records-of-processing": { rule: "export.records", run: processingExport },
  "provision-records": { rule: "export.records", run: provisionExport },
};

function download(d: Download): Response {
  return new Response(typeof d.body === "string" ? d.body : (d.body as Uint8Array<ArrayBuffer>), {
    status: 200,
    headers: {
      "content-type": d.type,
      "content-disposition": `attachment; filename="${d.name}"`,
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

async function authenticated(
  request: Request,
  authenticate: ConsoleOptions["authenticate"],
): Promise<ConsoleUser> {
  const user = await authenticate(request);
  if (user === null || user === undefined)
    throw new HttpRefusal(401, "UNAUTHENTICATED", "sign in to the host application first");
  const actor = decodeWith(Id, user.actor, "user.actor");
  if (E.isLeft(actor) || !Array.isArray(user.roles))
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "`authenticate` must return `{ actor: Id, roles: [...] }`",
      {
        path: "authenticate",
      },
    );
  return user;
}

/** An id from a URL path segment, decoded (bad percent-encoding or not an Id: DECODE_ERROR). */
function pathId(segment: string, path: string): string {
  let raw: string;
  try {
    raw = decodeURIComponent(segment);
  } catch {
    throw new DaichoError("DECODE_ERROR", "the id in the path is not valid percent-encoding", {
      path,
    });
  }
  const id = decodeWith(Id, raw, path);
  if (E.isLeft(id)) throw id.left;
  return id.right;
}

function pick(contexts: readonly LedgerContext[], ledgerId: string | null): LedgerContext {
  if (ledgerId === null) return contexts[0] as LedgerContext;
  const ctx = contexts.find((c) => c.ledger.ledgerId === ledgerId);
  if (ctx === undefined)
    throw new DaichoError("NOT_FOUND", "no such ledger in this console", { path: "ledger" });
  return ctx;
}

/** The page and its assets; the page itself needs a signed-in user (401 otherwise). */
async function page(
  request: Request,
  path: string,
  authenticate: ConsoleOptions["authenticate"],
): Promise<Response> {
  if (request.method !== "GET" && request.method !== "HEAD")
    throw new HttpRefusal(405, "METHOD_NOT_ALLOWED", "the page answers GET", { allow: "GET" });
  const name = path === "/" ? "index.html" : path.startsWith("/assets/") ? path.slice(8) : "";
  const file = asset(name);
  if (file === undefined) throw new HttpRefusal(404, "NOT_FOUND", "no such file");
  if (name === "index.html") await authenticated(request, authenticate);
  return new Response(file.body, {
    status: 200,
    headers: { "content-type": file.type, "cache-control": "no-cache", ...PAGE_HEADERS },
  });
}
