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
};

/** A JSON response with the right content type and no caching (answers hold personal data). */
export function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { "content-type": "application/json; charset=utf-8", "cache-control": "no-store" },
  });
}

/**
 * Map an error to a response: a `DaichoError` keeps its code, reason, path and details
 * (which never hold personal values); anything else is a bare 500 so internals do not leak.
 */
export function errorResponse(e: unknown): Response {
  if (isDaichoError(e)) {
    const status = STATUS[e.code] ?? 500;
    return json(status, { error: e.toJSON() });
  }
  return json(500, { error: { code: "INTERNAL", reason: "internal error" } });
}
