/** What a caller asks to do. */
export type DsrAction =
  | "access"
  | "extract"
  | "erasure.request"
  | "erasure.status"
  | "erasure.certificate"
  | "erasure.list"
  | "erasure.execute"
  // Data-subject requests for every right (issue 15; request-routes.ts).
  | "request.receive"
  | "request.list"
  | "request.status"
  | "request.verify-identity"
  | "request.extend"
  | "request.refuse"
  | "request.complete"
  | "request.recipients";

/**
 * Actions a data subject may take about itself without the host's `authorize`: read its
 * own report and its verifiable extract, file its own request, follow that request and fetch its certificate.
 * Everything else (listing requests, executing an erasure) is staff work.
 */
export const SELF_SERVICE: ReadonlySet<DsrAction> = new Set([
  "access",
  "extract",
  "erasure.request",
  "erasure.status",
  "erasure.certificate",
  "request.receive",
  "request.status",
]);

/** A matched route: the action, the one method it answers, and the ids in its path. */
export interface Route {
  readonly action: DsrAction;
  readonly method: "GET" | "POST";
  readonly subject?: string;
  readonly requestId?: string;
}

/**
 * Match a request's path under `base` to a route, or `undefined` for no route (404).
 * Path segments are percent-decoded; a segment that does not decode is no route.
 */
export function matchRoute(url: string, base: string): Route | undefined {
  const path = new URL(url).pathname;
  if (!path.startsWith(`${base}/`)) return undefined;
  const parts = path
    .slice(base.length + 1)
    .split("/")
    .map(safeDecode);
  if (parts.some((p) => p === undefined)) return undefined;
  const [a, b, c, d] = parts as string[];
  if (a === "subjects" && b !== undefined && b !== "" && d === undefined) {
    if (c === "access") return { action: "access", method: "GET", subject: b };
    if (c === "extract") return { action: "extract", method: "GET", subject: b };
    if (c === "erasure") return { action: "erasure.request", method: "POST", subject: b };
    if (c === "requests") return { action: "request.receive", method: "POST", subject: b };
  }
  if (a === "requests") return matchRequestRoute(b, c, d);
  if (a === "erasure-requests") {
    if (b === undefined || b === "") return { action: "erasure.list", method: "GET" };
    if (c === undefined) return { action: "erasure.status", method: "GET", requestId: b };
    if (c === "execute" && d === undefined)
      return { action: "erasure.execute", method: "POST", requestId: b };
    if (c === "certificate" && d === undefined)
      return { action: "erasure.certificate", method: "GET", requestId: b };
  }
  return undefined;
}

const REQUEST_STEPS: Readonly<Record<string, DsrAction>> = {
  "verify-identity": "request.verify-identity",
  extend: "request.extend",
  refuse: "request.refuse",
  complete: "request.complete",
};

/** `/requests`, `/requests/:id`, `/requests/:id/<step>`, `/requests/:id/recipients`. */
function matchRequestRoute(
  id: string | undefined,
  step: string | undefined,
  rest: string | undefined,
): Route | undefined {
  if (id === undefined || id === "") return { action: "request.list", method: "GET" };
  if (rest !== undefined) return undefined;
  if (step === undefined) return { action: "request.status", method: "GET", requestId: id };
  if (step === "recipients") return { action: "request.recipients", method: "GET", requestId: id };
  const action = Object.hasOwn(REQUEST_STEPS, step) ? REQUEST_STEPS[step] : undefined;
  return action === undefined ? undefined : { action, method: "POST", requestId: id };
}

function safeDecode(s: string): string | undefined {
  try {
    return decodeURIComponent(s);
  } catch {
    return undefined;
  }
}
