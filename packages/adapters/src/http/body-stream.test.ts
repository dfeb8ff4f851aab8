import http from "node:http";
import type { AddressInfo } from "node:net";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setup } from "./test-fixture";

/**
 * Issue 11 item 7: `maxBodyBytes` holds while the body streams in. A real `node:http`
 * server on 127.0.0.1 bridges to the handler the way fetch adapters do (the request body
 * is the socket as a web stream); a client streams 256 MiB at it.
 */
const BODY = 256 * 1024 * 1024;
const CHUNK = 64 * 1024;
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

interface Sent {
  readonly status: number;
  readonly body: string;
  readonly sent: number;
  /** Highest rss and heap+buffers seen while the request ran, above what they were before. */
  readonly rssGrowth: number;
  readonly heapGrowth: number;
}

/** Stream `BODY` bytes of JSON-ish filler to the server until it answers; sample memory meanwhile. */
function streamHuge(headers: Record<string, string>): Promise<Sent> {
  const heapNow = () => {
    const m = process.memoryUsage();
    return m.heapUsed + m.arrayBuffers;
  };
  const base = { rss: process.memoryUsage().rss, heap: heapNow() };
  let peak = { ...base };
  const sampler = setInterval(() => {
    peak = {
      rss: Math.max(peak.rss, process.memoryUsage().rss),
      heap: Math.max(peak.heap, heapNow()),
    };
  }, 5);
  // "{" then spaces: a body that is JSON-shaped as far as it goes.
  const first = Buffer.alloc(CHUNK, 0x20).fill(0x7b, 0, 1);
  const rest = Buffer.alloc(CHUNK, 0x20);
  return new Promise<Sent>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path: "/dsr/subjects/c-1/erasure",
      headers: { authorization: "Bearer alice", "content-type": "application/json", ...headers },
    });
    req.on("response", (res) => {
      answered = true;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => {
        clearInterval(sampler);
        req.destroy();
        resolve({
          status: res.statusCode ?? 0,
          body,
          sent,
          rssGrowth: peak.rss - base.rss,
          heapGrowth: peak.heap - base.heap,
        });
      });
    });
    req.on("error", (e) => {
      clearInterval(sampler);
      if (!answered) reject(e);
    });
    const pump = () => {
      while (!answered && sent < BODY) {
        const piece = sent === 0 ? first : rest;
        sent += piece.length;
        if (!req.write(piece)) {
          req.once("drain", pump);
          return;
        }
      }
      if (!answered) req.end();
    };
    pump();
  });
}

const MiB = 1024 * 1024;

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
