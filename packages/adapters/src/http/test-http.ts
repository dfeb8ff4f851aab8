/**
 * Test helpers (not exported by the package): plain `node:http` requests to a server on
 * 127.0.0.1, and a client that streams a huge body while sampling this process's memory.
 */
import http from "node:http";

export interface Answer {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  readonly text: string;
  // biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected loosely in tests
  json(): any;
}

/**
 * One request over a fresh connection (`node:http`, not `fetch`, so any method and raw
 * bytes can be sent). `body` is sent as is; `undefined` sends none.
 */
export function request(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string> = {},
  body?: string | Uint8Array,
): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      { host: "127.0.0.1", port, method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            text,
            json: () => JSON.parse(text),
          });
        });
      },
    );
    req.on("error", reject);
    req.end(body);
  });
}

/** What a huge upload came to. */
export interface Sent {
  readonly status: number;
  readonly body: string;
  readonly headers: http.IncomingHttpHeaders;
  /** Bytes the client had written when the answer came (or when it gave up). */
  readonly sent: number;
  /** Highest rss and heap+buffers seen while the request ran, above what they were before. */
  readonly rssGrowth: number;
  readonly heapGrowth: number;
  /** Milliseconds until the answer arrived. */
  readonly ms: number;
}

export const MiB = 1024 * 1024;
export const HUGE = 256 * MiB;
export const CHUNK = 64 * 1024;

/**
 * POST up to `HUGE` bytes ("{" then spaces: JSON-shaped as far as it goes) in `CHUNK`
 * pieces, respecting backpressure, until the server answers; sample memory meanwhile.
 */
export function streamHuge(
  port: number,
  path: string,
  headers: Record<string, string>,
): Promise<Sent> {
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
  const first = Buffer.alloc(CHUNK, 0x20).fill(0x7b, 0, 1);
  const rest = Buffer.alloc(CHUNK, 0x20);
  const started = Date.now();
  return new Promise<Sent>((resolve, reject) => {
    let sent = 0;
    let answered = false;
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path,
      headers,
      agent: false,
    });
    req.on("response", (res) => {
      answered = true;
      const ms = Date.now() - started;
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
          headers: res.headers,
          sent,
          rssGrowth: peak.rss - base.rss,
          heapGrowth: peak.heap - base.heap,
          ms,
        });
      });
    });
    req.on("error", (e) => {
      clearInterval(sampler);
      if (!answered) reject(e);
    });
    const pump = () => {
      while (!answered && sent < HUGE) {
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
