import {
  boundedList,
  DaichoError,
  decodeWith,
  Id,
  Label,
  Note,
  RequestRefusalGround,
  strictStruct,
  Timestamp,
} from "@daicho/core";
import type { RequestsService } from "@daicho/core/requests";
import * as E from "fp-ts/lib/Either.js";
import * as t from "io-ts";
import type { Principal } from "./authorization";
import { json } from "./errors";
import type { Route } from "./routes";

/** What the request routes need from the handler's options. */
export interface RequestRoutesOptions {
  readonly requests: RequestsService;
  /** Rights a caller may file over HTTP; none when left out. */
  readonly rights: readonly string[];
  /** Channels a caller may name; the first is the default. */
  readonly channels: readonly [string, ...string[]];
}

const Statement = t.refinement(
  t.string,
  (s) => s.length > 0 && s.length <= 4000,
  "RequestStatement",
);

/** Members only the host sets: a body naming one is refused, never silently dropped. */
const HOST_ONLY: Readonly<Record<string, string>> = {
  dueBy: "the deadline follows the right's regime; a caller cannot set `dueBy`",
  receivedAt: "the time of receipt is the server's; a caller cannot set `receivedAt`",
  requestedBy: "the requester is the authenticated caller; the body cannot name another",
  verifiedBy: "the verifier is the authenticated staff member; the body cannot name another",
};

function decodeStrict<A>(codec: t.Type<A, unknown, unknown>, body: Record<string, unknown>): A {
  for (const key of Object.keys(body)) {
    if (Object.hasOwn(HOST_ONLY, key))
      throw new DaichoError("INVALID_ARGUMENT", HOST_ONLY[key] as string, { path: `$body.${key}` });
  }
  const r = decodeWith(codec, body, "$body");
  if (E.isLeft(r)) throw r.left;
  return r.right;
}

function oneOf(values: readonly string[], name: string) {
  return t.keyof(Object.fromEntries(values.map((v) => [v, null])) as Record<string, null>, name);
}

/**
 * Serve one request route (`request.*`). A data subject files a request about itself
 * (`POST /subjects/:subject/requests { right, channel?, statement? }`, the right one of
 * the host's `rights`, the requester the authenticated principal, the statement sealed)
 * and follows it (`GET /requests/:id`, without the host's `reason`); staff list requests,
 * verify identity (the verifier is the principal), extend, refuse, complete and read the
 * Art. 19 recipients. Authorisation is decided before this is called.
 */
export async function dispatchRequestRoute(
  o: RequestRoutesOptions,
  route: Route,
  principal: Principal,
  body: Record<string, unknown>,
): Promise<Response> {
  const id = route.requestId as string;
  switch (route.action) {
    case "request.receive": {
      if (o.rights.length === 0)
        throw new DaichoError(
          "INVALID_ARGUMENT",
          "this service takes no data-subject requests over HTTP",
          {
            path: "$body.right",
          },
        );
      const b = decodeStrict(
        strictStruct(
          "RequestBody",
          { right: oneOf(o.rights, "OfferedRight") },
          {
            channel: oneOf(o.channels, "Channel"),
            statement: Statement,
          },
        ),
        body,
      );
      const created = await o.requests.receive(route.subject as string, {
        right: b.right as never,
        requestedBy: principal.actorId,
        channel: b.channel ?? o.channels[0],
        ...(b.statement === undefined ? {} : { statement: b.statement }),
      });
      return json(201, forCaller(created, principal));
    }
    case "request.list":
      decodeStrict(strictStruct("EmptyBody", {}), body);
      return json(200, { requests: await o.requests.list({ status: ["open"] }) });
    case "request.status":
      return json(200, forCaller(await o.requests.get(id), principal));
    case "request.recipients":
      return json(200, { recipients: await o.requests.recipients(id) });
    case "request.verify-identity": {
      const b = decodeStrict(strictStruct("VerifyBody", { method: Label }), body);
      return json(
        200,
        await o.requests.verifyIdentity(id, { method: b.method, verifiedBy: principal.actorId }),
      );
    }
    case "request.extend":
      return json(
        200,
        await o.requests.extend(
          id,
          decodeStrict(strictStruct("ExtendBody", { dueBy: Timestamp, reason: Note }), body),
        ),
      );
    case "request.refuse":
      return json(
        200,
        await o.requests.refuse(
          id,
          decodeStrict(
            strictStruct("RefuseBody", { ground: RequestRefusalGround, reason: Note }),
            body,
          ),
        ),
      );
    case "request.complete":
      return json(
        200,
        await o.requests.complete(
          id,
          decodeStrict(
            strictStruct("CompleteBody", { outcome: Label, evidence: boundedList(Id, 256) }),
            body,
          ),
        ),
      );
    default:
      throw new DaichoError("NOT_FOUND", "no such route");
  }
}

/** A data subject sees its request without the host's internal `reason`. */
function forCaller<R extends { reason?: string }>(
  r: R,
  principal: Principal,
): Omit<R, "reason"> | R {
  if (principal.subject === undefined) return r;
  const { reason: _, ...rest } = r;
  return rest;
}
