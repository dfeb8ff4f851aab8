/**
 * The CRM with data-subject request routes mounted at /dsr: the framework-neutral
 * `dsrHandler` from `@daicho/adapters/http` takes a web `Request` and returns a
 * `Response`, so in Hono it is one line.
 */
import { randomBytes } from "node:crypto";
import { type DsrHandler, dsrHandler, type Principal } from "@daicho/adapters/http";
import { type ErasureService, ed25519Signer, erasureService } from "@daicho/core/erasure";
import { Hono } from "hono";
import { appFor, type Crm } from "../crm-service/server";

/**
 * Stand-in for real authentication: people sign in with a one-time link, the DPO with SSO.
 * A person's principal names the data subject they are (`subject`); staff have none.
 */
const PRINCIPALS = new Map<string, Principal>([
  ["tok-dpo", { actorId: "dpo-kato", role: "dpo" }],
  ["tok-person-0003", { actorId: "person-0003", role: "data-subject", subject: "contact-0003" }],
]);

/**
 * Staff authorisation: the DPO may do everything, including executing erasures. People
 * need no rule here: the handler lets a data subject act on itself only, and refuses
 * (and records) anything else.
 */
function authorize(p: Principal): boolean {
  return p.role === "dpo";
}

/** The DSR handler for a CRM, with the service behind it. */
export interface DsrService {
  readonly handler: DsrHandler;
  readonly erasure: ErasureService;
  /** The public half of the key that signs erasure certificates. */
  readonly certificateKey: Uint8Array;
}

/**
 * The DSR handler for `crm`, its routes under `basePath` (the full path clients use,
 * including any prefix the host mounts it under). The same handler mounts in any
 * framework: see `dsr-hono`, `dsr-express` and `dsr-fastify`.
 */
export function dsrService(crm: Crm, basePath = "/dsr"): DsrService {
  // In production the signing key lives in your KMS/HSM, like the checkpoint key.
  const signer = ed25519Signer("crm.example.com/erasure", new Uint8Array(randomBytes(32)));
  const erasure = erasureService({
    ledger: crm.ledger,
    signer,
    actor: { id: "dpo-kato", role: "dpo" },
  });
  const handler = dsrHandler({
    ledger: crm.ledger,
    erasure,
    basePath,
    authenticate: (request) => {
      const token = request.headers.get("authorization")?.replace(/^Bearer /, "");
      return (token && PRINCIPALS.get(token)) || null;
    },
    authorize,
  });
  return { handler, erasure, certificateKey: signer.publicKey };
}

export interface DsrServer extends DsrService {
  readonly app: Hono;
}

/** Mount the CRM and the DSR routes on one app. */
export function dsrApp(crm: Crm): DsrServer {
  const service = dsrService(crm);
  const app = new Hono();
  app.all("/dsr/*", (c) => service.handler(c.req.raw));
  app.route("/", appFor(crm));
  return { ...service, app };
}
