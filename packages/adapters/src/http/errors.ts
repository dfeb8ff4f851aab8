import { type DaichoErrorCode, isDaichoError } from "@daicho/core";

const STATUS: Partial<Record<DaichoErrorCode, number>> = {
  DECODE_ERROR: 400,
  INVALID_ARGUMENT: 400,
  PAYLOAD_TOO_LARGE: 413,
  NOT_FOUND: 404,
  LEGAL_HOLD: 409,
  ERASURE_EXEMPT: 409,
  ALREADY_ERASED: 409,
  KEY_ERASED: 409,
  CONCURRENCY_CONFLICT: 503,
  STORE_UNAVAILABLE: 503,
  KEY_UNAVAILABLE: 503,
  WRONG_KEK: 500,
  CIPHERTEXT_TAMPERED: 500,
  STORE_CORRUPT: 500,
  REQUEST_CLOSED: 409,
  IDENTITY_UNVERIFIED: 409,
  STALE_VIEW: 409,
};

/** Codes of refusals that belong to HTTP itself rather than to the library. */
export type HttpRefusalCode =
  | "NOT_FOUND"
  | "METHOD_NOT_ALLOWED"
  | "UNAUTHENTICATED"
  | "FORBIDDEN"
  | "UNSUPPORTED_MEDIA_TYPE"
  | "INTERNAL";

/**
 * A refusal at the HTTP layer (no route, wrong method, no credentials, no permission,
 * wrong content type), answered with the same JSON envelope as a `DaichoError`.
 */
export class HttpRefusal extends Error {
  constructor(
    readonly status: number,
    readonly code: HttpRefusalCode,
    readonly reason: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(`${code}: ${reason}`);
    this.name = "HttpRefusal";
  }
}

/** A JSON response with the right content type and no caching (answers hold personal data). */
export function json(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {},
): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      ...headers,
    },
  });
}

/**
 * Map an error to a response, always `{ error: { code, reason, … } }`: an `HttpRefusal`
 * keeps its status and headers; a `DaichoError` keeps its code, reason, path and details
 * (which never hold personal values); anything else is a bare 500 so internals do not leak.
 * A 413, and any refusal with `bodyUnread` (given before the request's body was read), also
 * asks to close the connection: the rest of the body was never read, and keeping the
 * connection would make the server read and discard all of it (a 256 MiB body sent to a
 * 401 would still be read whole).
 */
export function errorResponse(e: unknown, bodyUnread = false): Response {
  const close: Record<string, string> = bodyUnread ? { connection: "close" } : {};
  if (e instanceof HttpRefusal) {
    return json(
      e.status,
      { error: { code: e.code, reason: e.reason, retryable: false } },
      { ...e.headers, ...close },
    );
  }
  if (isDaichoError(e)) {
    const status = STATUS[e.code] ?? 500;
    return json(status, { error: e.toJSON() }, status === 413 ? { connection: "close" } : close);
  }
  return json(
    500,
    { error: { code: "INTERNAL", reason: "internal error", retryable: false } },
    close,
  );
}
