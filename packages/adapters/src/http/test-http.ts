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
  /** Bytes the client had written when the answer came. */
  readonly sent: number;
  /** With `untilClosed`: bytes the server took in all, until it closed the connection. */
  readonly sentInAll: number;
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
 * With `untilClosed`, go on sending after the answer, as a hostile client would, until
 * the server closes the connection (or takes the whole body).
 */
export function streamHuge(
  port: number,
  path: string,
  headers: Record<string, string>,
  { untilClosed = false } = {},
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
    let sentAtAnswer = 0;
    let answered = false;
    let answer: Omit<Sent, "sentInAll" | "rssGrowth" | "heapGrowth"> | undefined;
    let done = false;
    // Keep-alive, as browsers and pooled clients ask: the server alone decides to close.
    const req = http.request({
      host: "127.0.0.1",
      port,
      method: "POST",
      path,
      headers: { connection: "keep-alive", ...headers },
      agent: false,
    });
    const finish = () => {
      if (done || answer === undefined) return;
      done = true;
      clearInterval(sampler);
      req.destroy();
      resolve({
        ...answer,
        sentInAll: sent,
        rssGrowth: peak.rss - base.rss,
        heapGrowth: peak.heap - base.heap,
      });
    };
    req.on("response", (res) => {
      answered = true;
      sentAtAnswer = sent;
      const ms = Date.now() - started;
      let body = "";
      res.setEncoding("utf8");
      res.on("data", (d: string) => {
        body += d;
      });
      res.on("end", () => {
        const { statusCode, headers } = res;
        answer = { status: statusCode ?? 0, body, headers, sent: sentAtAnswer, ms };
        if (!untilClosed || sent >= HUGE || req.socket?.destroyed) finish();
      });
    });
    req.on("error", (e) => {
      if (answered) finish();
      else {
        clearInterval(sampler);
        reject(e);
      }
    });
    req.on("close", finish);
    const pump = () => {
      while ((untilClosed || !answered) && sent < HUGE && !req.destroyed) {
        const piece = sent === 0 ? first : rest;
        sent += piece.length;
        if (!req.write(piece)) {
          req.once("drain", pump);
          return;
        }
      }
      if (sent >= HUGE) req.end();
      if (answered && sent >= HUGE) finish();
    };
    pump();
  });
}
