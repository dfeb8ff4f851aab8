import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup } from "./test-fixture";
import { CHUNK, HUGE, MiB, streamHuge as streamAt } from "./test-http";

/**
 * Issue 11 item 7: `maxBodyBytes` holds while the body streams in. A real `node:http`
 * server on 127.0.0.1 bridges to the handler the way fetch adapters do (the request body
 * is the socket as a web stream); a client streams 256 MiB at it.
 */
const BODY = HUGE;
const LIMIT = 16 * 1024;

let server: http.Server;
let port: number;
/** Bytes the handler pulled from the request stream, for the last request. */
let pulled = 0;

beforeAll(async () => {
  const { handler } = await setup();
  server = http.createServer(async (req, res) => {
    pulled = 0;
    const counter = new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        pulled += chunk.byteLength;
        controller.enqueue(chunk);
      },
    });
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string") headers.set(k, v);
    const request = new Request(`http://127.0.0.1:${port}${req.url}`, {
      method: req.method,
      headers,
      body: (Readable.toWeb(req) as ReadableStream<Uint8Array>).pipeThrough(counter),
      duplex: "half",
    } as RequestInit);
    const response = await handler(request);
    response.headers.forEach((value, name) => {
      res.setHeader(name, value);
    });
    res.writeHead(response.status);
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Stream a huge body at the erasure route as alice. */
const streamHuge = (headers: Record<string, string>) =>
  streamAt(port, "/dsr/subjects/c-1/erasure", {
    authorization: "Bearer alice",
    "content-type": "application/json",
    ...headers,
  });

describe("maxBodyBytes over a real socket", () => {
  it("answers a streamed 256 MiB body with 413 after reading one chunk past the limit, memory bounded", async () => {
    const out = await streamHuge({});
    expect(out.status).toBe(413);
    expect(JSON.parse(out.body).error).toMatchObject({ code: "PAYLOAD_TOO_LARGE" });
    expect(pulled).toBeLessThanOrEqual(LIMIT + 2 * CHUNK);
    expect(out.sent).toBeLessThan(BODY / 4);
    expect(out.heapGrowth).toBeLessThan(32 * MiB);
    expect(out.rssGrowth).toBeLessThan(64 * MiB);
    console.log(
      `256 MiB body: 413 after ${pulled} B read by the handler, ${(out.sent / MiB).toFixed(1)} MiB sent by the client; ` +
        `peak growth heap+buffers ${(out.heapGrowth / MiB).toFixed(1)} MiB, rss ${(out.rssGrowth / MiB).toFixed(1)} MiB`,
    );
  });

  it("answers a declared 256 MiB content-length with 413 before reading the body", async () => {
    const out = await streamHuge({ "content-length": String(BODY) });
    expect(out.status).toBe(413);
    expect(pulled).toBeLessThanOrEqual(2 * CHUNK);
    expect(out.heapGrowth).toBeLessThan(32 * MiB);
  });
});
