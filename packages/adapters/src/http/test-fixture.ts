/**
 * Shared set-up for the HTTP handler's tests (not exported by the package): a ledger with
 * two data subjects, principals for staff and for each subject, and a `call` helper.
 */
import { type Ledger, memoryStore, openLedger } from "@daicho/core";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { memoryKeyStore } from "@daicho/core/keys";
import { requestsService } from "@daicho/core/requests";
import type { Principal } from "./authorization";
import { type DsrHandlerOptions, dsrHandler } from "./handler";

export const signer = ed25519Signer("http.test", new Uint8Array(32).fill(8));

/** Bearer tokens → principals: two staff members and the two data subjects c-1 and c-2. */
export const PRINCIPALS: Readonly<Record<string, Principal>> = {
  dpo: { actorId: "dpo-1", role: "dpo" },
  intern: { actorId: "intern-2" },
  alice: { actorId: "person-c-1", role: "data-subject", subject: "c-1" },
  bob: { actorId: "person-c-2", role: "data-subject", subject: "c-2" },
};

/** The DPO may do everything; other staff nothing. */
export const dpoOnly: NonNullable<DsrHandlerOptions["authorize"]> = (p) => p.actorId === "dpo-1";

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies are inspected loosely in tests
export type Json = any;

export interface CallOptions {
  readonly body?: unknown;
  /** `undefined` sends `application/json` on POST; `null` sends none. */
  readonly contentType?: string | null;
}

export async function setup(
  overrides: Partial<
    Pick<
      DsrHandlerOptions,
      "authorize" | "basePath" | "channels" | "maxBodyBytes" | "requestRights"
    >
  > & {
    /** Build the handler's `extract` option from the ledger (extract tests). */
    readonly extractWith?: (ledger: Ledger) => Promise<DsrHandlerOptions["extract"]>;
    /** The ledger's envelope version (docs/spec.md §13); default 1. */
    readonly envelope?: 1 | 2;
  } = {
    authorize: dpoOnly,
  },
) {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "http.test/l",
    keys: { store: memoryKeyStore(), kek: { id: "k", key: new Uint8Array(32).fill(1) } },
    ...(overrides.envelope === undefined ? {} : { envelope: overrides.envelope }),
  });
  for (const [subject, email] of [
    ["c-1", "alice@example.jp"],
    ["c-2", "bob@example.jp"],
  ] as const) {
    await ledger.append({
      type: "record.created",
      actor: { id: "sales-1" },
      subjects: [subject],
      payload: { resource: { type: "contact", id: subject }, fields: ["email"] },
      personal: [{ subject, field: "email", value: email }],
    });
  }
  const erasure = erasureService({ ledger, signer, actor: { id: "dsr-api" } });
  const requests = requestsService({ ledger, actor: { id: "dsr-api" } });
  const { extractWith, envelope: _envelope, ...rest } = overrides;
  const extract = extractWith === undefined ? undefined : await extractWith(ledger);
  const handler = dsrHandler({
    ledger,
    erasure,
    requests,
    basePath: "/dsr",
    authenticate: (req) =>
      PRINCIPALS[req.headers.get("authorization")?.replace(/^Bearer /, "") ?? ""] ?? null,
    ...(extract === undefined ? {} : { extract }),
    ...rest,
  });
  const call = async (method: string, path: string, token?: string, opts: CallOptions = {}) => {
    const headers: Record<string, string> = {};
    if (token !== undefined) headers.authorization = `Bearer ${token}`;
    const type =
      opts.contentType === undefined && method === "POST" ? "application/json" : opts.contentType;
    if (typeof type === "string") headers["content-type"] = type;
    const b = opts.body;
    const body: BodyInit | undefined =
      b === undefined || typeof b === "string"
        ? b
        : b instanceof Uint8Array
          ? (b as Uint8Array<ArrayBuffer>)
          : JSON.stringify(b);
    const url = `https://crm.example.com${path}`;
    const res = await handler(new Request(url, { method, headers, body: body ?? null }));
    const text = await res.text();
    return {
      status: res.status,
      headers: res.headers,
      text,
      json: (): Json => JSON.parse(text),
    };
  };
  /** File an erasure request for `subject` through the library (not over HTTP); returns its id. */
  const requestErasure = async (subject: string): Promise<string> =>
    (await erasure.request(subject, { requestedBy: "dpo-1", channel: "email" })).requestId;
  return { ledger, erasure, requests, handler, call, requestErasure };
}

/** Every event in the ledger, in order. */
export async function eventsOf(ledger: Ledger) {
  const out = [];
  for await (const e of ledger.read()) out.push(e);
  return out;
}

/** The denied `data.accessed` events recorded so far. */
export async function denialsOf(ledger: Ledger) {
  return (await eventsOf(ledger)).filter(
    (e) => e.type === "data.accessed" && e.payload.outcome === "denied",
  );
}
