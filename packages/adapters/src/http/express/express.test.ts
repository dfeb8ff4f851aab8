import type { AddressInfo } from "node:net";
import express, { type ErrorRequestHandler, type Express } from "express";
import { afterEach, describe, expect, it } from "vitest";
import { eventsOf, setup } from "../test-fixture";
import { request } from "../test-http";
import { dsrExpress } from "./index";

/**
 * Express-specific mounting, over real sockets: where the middleware may be mounted,
 * what it hands on to the host, and the two mounting mistakes it turns from silent 404s
 * or lost bodies into errors the host's error handler sees.
 */
let close: (() => Promise<void>) | undefined;
afterEach(async () => {
  await close?.();
  close = undefined;
});

/** Listen on 127.0.0.1; errors reaching Express's error handler are collected in `errors`. */
async function listen(app: Express, errors: unknown[] = []): Promise<number> {
  const collect: ErrorRequestHandler = (error, _req, res, _next) => {
    errors.push(error);
    res.status(500).json({ host: "error handler" });
  };
  app.use(collect);
  return new Promise((resolve) => {
    const server = app.listen(0, "127.0.0.1", () => {
      close = () =>
        new Promise((done) => {
          server.close(() => done());
          server.closeAllConnections();
        });
      resolve((server.address() as AddressInfo).port);
    });
  });
}

const alice = { authorization: "Bearer alice" };
const aliceJson = { ...alice, "content-type": "application/json" };

describe("dsrExpress", () => {
  it("routes on originalUrl when mounted at basePath (Express strips the prefix from req.url)", async () => {
    const { handler } = await setup();
    const app = express();
    app.use("/dsr", dsrExpress(handler));
    const port = await listen(app);
    const res = await request(port, "GET", "/dsr/subjects/c-1/access", alice);
    expect(res.status).toBe(200);
    expect(res.json().subject).toBe("c-1");
  });

  it("mounted at the root, hands every other path on to the host's routes", async () => {
    const { handler } = await setup();
    const app = express();
    app.use(dsrExpress(handler));
    app.get("/contacts/:id", (req, res) => {
      res.json({ contact: req.params.id });
    });
    const port = await listen(app);
    expect((await request(port, "GET", "/contacts/c-9")).json()).toEqual({ contact: "c-9" });
    expect((await request(port, "GET", "/dsrx/subjects/c-1/access", alice)).status).toBe(404);
    expect((await request(port, "GET", "/dsr/subjects/c-1/access", alice)).status).toBe(200);
  });

  it("accepts an absolute-form request target and routes it by its path", async () => {
    const { handler } = await setup();
    const app = express();
    app.use("/dsr", dsrExpress(handler));
    const port = await listen(app);
    const res = await request(port, "GET", "http://crm.example.com/dsr/subjects/c-1/access", alice);
    expect(res.status).toBe(200);
  });

  it("reports a mount path no route can lie under to the error handler, not as 404s", async () => {
    const { handler } = await setup();
    const app = express();
    app.use("/v1", dsrExpress(handler));
    const errors: unknown[] = [];
    const port = await listen(app, errors);
    const res = await request(port, "GET", "/v1/subjects/c-1/access", alice);
    expect(res.status).toBe(500);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: "INVALID_ARGUMENT", path: "basePath" });
    expect(String((errors[0] as Error).message)).toMatch(/mounted at `\/v1`.*basePath `\/dsr`/);
  });

  it("refuses to act on a body a parser mounted before it already read, and records nothing", async () => {
    const { handler, ledger } = await setup();
    const app = express();
    app.use(express.json());
    app.use("/dsr", dsrExpress(handler));
    const errors: unknown[] = [];
    const port = await listen(app, errors);
    const before = (await eventsOf(ledger)).length;
    const body = JSON.stringify({ channel: "phone", reason: "please erase me" });
    const res = await request(port, "POST", "/dsr/subjects/c-1/erasure", aliceJson, body);
    expect(res.status).toBe(500);
    expect(errors[0]).toMatchObject({ code: "INVALID_ARGUMENT", path: "body" });
    expect((await eventsOf(ledger)).length).toBe(before);
    // Reads do not need the body, and still work behind the parser.
    expect((await request(port, "GET", "/dsr/subjects/c-1/access", alice)).status).toBe(200);
  });

  it("answers a hostile Host header or a path not in normal form with a typed 400", async () => {
    const { handler, ledger } = await setup();
    const app = express();
    app.use("/dsr", dsrExpress(handler));
    const port = await listen(app);
    const before = (await eventsOf(ledger)).length;
    for (const [path, host] of [
      ["/dsr/subjects/c-1/access", "evil.example.com/x?"],
      ["/dsr/subjects/c-1/access", "user@crm.example.com"],
      ["/dsr/subjects/./c-1/access", "127.0.0.1"],
      ["/dsr/subjects/c-1\\..\\c-2/access", "127.0.0.1"],
    ] as const) {
      const res = await request(port, "GET", path, { ...alice, host });
      expect(res.status, `${host} ${path}`).toBe(400);
      expect(res.json().error.code).toBe("DECODE_ERROR");
    }
    expect((await eventsOf(ledger)).length).toBe(before);
  });
});
