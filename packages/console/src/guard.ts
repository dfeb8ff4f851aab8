/**
 * The console's CSRF rule, checked before anything else reads or writes:
 *
 * 1. every `/api` request carries the header `x-daicho-console: 1`, which the page's
 *    `fetch` sends and which a cross-site form, image or `no-cors` fetch cannot send
 *    without a CORS preflight the console never answers — so no other site can make a
 *    signed-in user's browser open a subject (a recorded read) or start an export;
 * 2. every POST also names its `Origin`, equal to the request's own origin or one of
 *    `allowedOrigins`, and sends `content-type: application/json`.
 *
 * A refusal is a 403 `FORBIDDEN` (415 for the content type) and changes nothing.
 */
import { HttpRefusal, requireJsonContentType } from "@daicho/adapters/http";

export const CONSOLE_HEADER = "x-daicho-console";

export function checkSameOrigin(
  request: Request,
  allowedOrigins: readonly string[] | undefined,
): void {
  if (request.headers.get(CONSOLE_HEADER) !== "1") {
    throw new HttpRefusal(
      403,
      "FORBIDDEN",
      `console API calls must send the header \`${CONSOLE_HEADER}: 1\` (the console page does)`,
    );
  }
  if (request.method === "GET" || request.method === "HEAD") return;
  const origin = request.headers.get("origin");
  const own = new URL(request.url).origin;
  const allowed = allowedOrigins ?? [own];
  if (origin === null || !allowed.includes(origin)) {
    throw new HttpRefusal(
      403,
      "FORBIDDEN",
      "a state-changing request must come from the console's own origin (set `allowedOrigins` behind a proxy that rewrites the host)",
    );
  }
  requireJsonContentType(request);
}
