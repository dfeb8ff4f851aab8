import { DaichoError } from "@daicho/core";
import { HttpRefusal } from "./errors";

/**
 * Require `content-type: application/json` (a `charset` parameter, if any, must be
 * UTF-8). Asked of every POST, empty or not: a cross-site form or a `no-cors` fetch
 * cannot send this type without a CORS preflight, so a browser holding a staff member's
 * cookie cannot be made to file or execute an erasure.
 */
export function requireJsonContentType(request: Request): void {
  const header = request.headers.get("content-type");
  const [type, ...params] = (header ?? "").split(";").map((p) => p.trim().toLowerCase());
  const charsetOk = params.every((p) => !p.startsWith("charset=") || /^charset="?utf-8"?$/.test(p));
  if (type !== "application/json" || !charsetOk) {
    throw new HttpRefusal(
      415,
      "UNSUPPORTED_MEDIA_TYPE",
      "send the body as JSON with `content-type: application/json`",
      { accept: "application/json" },
    );
  }
}

/**
 * Read a JSON object body of at most `maxBytes` bytes; an empty body is `{}`. A declared
 * `content-length` over the limit is refused before reading; otherwise the stream is read
 * chunk by chunk and cancelled as soon as the count passes the limit, so a huge or endless
 * body costs at most the limit plus one chunk of memory. Refusals: `PAYLOAD_TOO_LARGE`
 * (413), `DECODE_ERROR` (400) for invalid UTF-8, non-JSON or a non-object.
 */
export async function readJsonObject(
  request: Request,
  maxBytes: number,
): Promise<Record<string, unknown>> {
  const declared = request.headers.get("content-length");
  if (declared !== null && /^\d+$/.test(declared.trim()) && Number(declared) > maxBytes)
    throw tooLarge(maxBytes);
  const bytes = await readAtMost(request.body, maxBytes);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(bytes);
  } catch {
    throw new DaichoError("DECODE_ERROR", "request body is not valid UTF-8", { path: "$body" });
  }
  if (text.trim() === "") return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new DaichoError("DECODE_ERROR", "request body is not JSON", { path: "$body" });
  }
  if (typeof value !== "object" || value === null || Array.isArray(value)) {
    throw new DaichoError("DECODE_ERROR", "request body must be a JSON object", { path: "$body" });
  }
  return value as Record<string, unknown>;
}

async function readAtMost(
  body: ReadableStream<Uint8Array> | null,
  maxBytes: number,
): Promise<Uint8Array> {
  if (body === null) return new Uint8Array(0);
  const reader = body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      // Stop the source: nothing more of this body is read or buffered. A source that
      // fails to cancel changes nothing about the refusal, so its error is not reported.
      await reader.cancel().catch(() => undefined);
      throw tooLarge(maxBytes);
    }
    chunks.push(value);
  }
  const out = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}

function tooLarge(maxBytes: number): DaichoError {
  return new DaichoError("PAYLOAD_TOO_LARGE", `request body exceeds ${maxBytes} bytes`, {
    path: "$body",
    details: { maxBytes },
  });
}
