/**
 * The walk-through the framework examples (`dsr-hono`, `dsr-express`, `dsr-fastify`)
 * share: a CRM whose DSR routes a framework serves under `/api/dsr`, and a person and
 * the DPO using them over real HTTP on 127.0.0.1. Only the framework wiring differs
 * between the examples; this file is the same for all three.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { DsrHandler } from "@daicho/adapters/http";
import { verifyCertificate } from "@daicho/core/erasure";
import * as E from "fp-ts/lib/Either.js";
import { openCrm } from "../crm-service/server";
import { dsrService } from "../dsr-http/server";

/** Where every framework example mounts the DSR routes: a prefix, then `/dsr`. */
export const BASE_PATH = "/api/dsr";

/** A server listening on 127.0.0.1. */
export interface Served {
  readonly url: string;
  close(): Promise<void>;
}

/** How an example serves the handler: its framework, its mount lines. */
export type Serve = (handler: DsrHandler) => Promise<Served>;

/** One request and its answer, as the walk-through made it. */
export interface Step {
  readonly who: string;
  readonly method: string;
  readonly path: string;
  readonly status: number;
  // biome-ignore lint/suspicious/noExplicitAny: JSON answers are read loosely here
  readonly body: any;
  readonly headers: Headers;
}

export interface DsrWalk {
  readonly steps: readonly Step[];
  /** The host's own route next to the DSR routes. */
  readonly health: number;
  readonly ownAccess: Step;
  readonly otherAccess: Step;
  readonly filed: Step;
  readonly personExecute: Step;
  readonly executed: Step;
  readonly certificateValid: boolean;
  readonly wrongMethod: Step;
  readonly anonymous: Step;
  readonly tooLarge: Step;
  readonly verified: boolean;
}

const PERSON = "tok-person-0003";
const DPO = "tok-dpo";

/** Open a CRM in a fresh folder, serve its DSR routes with `serve`, walk through, clean up. */
export async function runDsrExample(
  serve: Serve,
  log: (line: string) => void = () => {},
): Promise<DsrWalk> {
  const dir = mkdtempSync(join(tmpdir(), "daicho-dsr-framework-"));
  const crm = await openCrm(dir, { contacts: 5 });
  try {
    const service = dsrService(crm, BASE_PATH);
    const server = await serve(service.handler);
    try {
      const walk = await walkThrough(server.url, service.certificateKey, log);
      return { ...walk, verified: (await crm.ledger.verify()).ok };
    } finally {
      await server.close();
    }
  } finally {
    await crm.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function walkThrough(
  url: string,
  certificateKey: Uint8Array,
  log: (line: string) => void,
): Promise<Omit<DsrWalk, "verified">> {
  const steps: Step[] = [];
  const call = async (
    who: string,
    method: string,
    path: string,
    init: { token?: string; body?: string; type?: string } = {},
  ): Promise<Step> => {
    const headers: Record<string, string> = {};
    if (init.token !== undefined) headers.authorization = `Bearer ${init.token}`;
    if (init.body !== undefined) headers["content-type"] = init.type ?? "application/json";
    const res = await fetch(`${url}${path}`, { method, headers, body: init.body });
    const text = await res.text();
    const step = {
      who,
      method,
      path,
      status: res.status,
      body: text === "" ? null : JSON.parse(text),
      headers: res.headers,
    };
    steps.push(step);
    log(`${who.padEnd(7)} ${method.padEnd(6)} ${path} → ${res.status}`);
    return step;
  };
  const health = (await fetch(`${url}/api/health`)).status;
  const ownAccess = await call("person", "GET", `${BASE_PATH}/subjects/contact-0003/access`, {
    token: PERSON,
  });
  const otherAccess = await call("person", "GET", `${BASE_PATH}/subjects/contact-0004/access`, {
    token: PERSON,
  });
  const filed = await call("person", "POST", `${BASE_PATH}/subjects/contact-0003/erasure`, {
    token: PERSON,
    body: JSON.stringify({ reason: "もう連絡しないでください。" }),
  });
  const requestId = filed.body?.requestId as string;
  const executePath = `${BASE_PATH}/erasure-requests/${requestId}/execute`;
  const personExecute = await call("person", "POST", executePath, { token: PERSON, body: "{}" });
  await call("dpo", "GET", `${BASE_PATH}/erasure-requests`, { token: DPO });
  const executed = await call("dpo", "POST", executePath, { token: DPO, body: "{}" });
  const certificateValid = E.isRight(verifyCertificate(executed.body?.certificate, certificateKey));
  const wrongMethod = await call("dpo", "DELETE", `${BASE_PATH}/subjects/contact-0003/access`, {
    token: DPO,
  });
  const anonymous = await call("nobody", "GET", `${BASE_PATH}/subjects/contact-0003/access`);
  const tooLarge = await call("person", "POST", `${BASE_PATH}/subjects/contact-0003/erasure`, {
    token: PERSON,
    body: JSON.stringify({ reason: "x".repeat(64 * 1024) }),
  });
  return {
    steps,
    health,
    ownAccess,
    otherAccess,
    filed,
    personExecute,
    executed,
    certificateValid,
    wrongMethod,
    anonymous,
    tooLarge,
  };
}

/** Print what `pnpm example:dsr-<framework>` shows after the requests themselves. */
export function printWalk(framework: string, walk: DsrWalk): void {
  console.log(`\n${framework} served the DSR routes under ${BASE_PATH}:`);
  console.log(`  the person's own report: ${walk.ownAccess.body.personalData.length} values`);
  console.log(`  someone else's report: HTTP ${walk.otherAccess.status}`);
  console.log(`  erasure request ${walk.filed.body.requestId}, due by ${walk.filed.body.dueBy}`);
  console.log(`  the person executing it: HTTP ${walk.personExecute.status}`);
  console.log(`  the DPO executing it: ${walk.executed.body.outcome}`);
  console.log(`  certificate signature valid: ${walk.certificateValid}`);
  console.log(
    `  DELETE on a GET route: HTTP ${walk.wrongMethod.status}, allow: ${walk.wrongMethod.headers.get("allow")}`,
  );
  console.log(
    `  no credentials: HTTP ${walk.anonymous.status}, www-authenticate: ${walk.anonymous.headers.get("www-authenticate")}`,
  );
  console.log(`  a 64 KiB body: HTTP ${walk.tooLarge.status} ${walk.tooLarge.body.error.code}`);
  console.log(`  ledger verifies: ${walk.verified}`);
}
