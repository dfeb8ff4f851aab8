/**
 * The CRM's HTTP API (Hono). One middleware asks `decide()` before every read, update,
 * create and export and records the decision in the ledger, allowed or denied
 * (`decideAndRecord`); handlers then honour the decision's obligations by masking fields.
 */

import {
  Destination,
  decodeWithOrThrow,
  isDaichoError,
  isRedacted,
  type Ledger,
} from "@daicho/core";
import type { AccessPolicy, Decision, DecisionRequest } from "@daicho/core/policy";
import { getConnInfo } from "@hono/node-server/conninfo";
import { type Context, Hono, type MiddlewareHandler } from "hono";
import * as t from "io-ts";
import type { ContactBook } from "./contacts";
import { CONTACT_FIELDS, type ContactField } from "./policy";

/** A signed-in staff member: who, and on which device and session (for the audit trail). */
export interface StaffSession {
  readonly actorId: string;
  readonly device: string;
  readonly session: string;
}

export interface CrmOptions {
  readonly ledger: Ledger;
  readonly access: AccessPolicy;
  readonly contacts: ContactBook;
  /** Stand-in for your real authentication: bearer token → staff session. */
  readonly sessions: ReadonlyMap<string, StaffSession>;
}

type Env = {
  Variables: { staff: StaffSession; decision: Decision & { decisionId: string } };
};

const Values = t.exact(t.partial(Object.fromEntries(CONTACT_FIELDS.map((f) => [f, t.string]))));
const NewContact = t.intersection([
  t.type({ id: t.string }),
  t.exact(t.partial(Object.fromEntries(CONTACT_FIELDS.map((f) => [f, t.string])))),
]);

/** Build the CRM app. Routes: GET/PATCH /contacts/:id, POST /contacts, GET /contacts/export. */
export function crmApp(options: CrmOptions): Hono<Env> {
  const { ledger, access, contacts } = options;
  const app = new Hono<Env>();

  app.use("/contacts/*", authenticate(options.sessions));
  app.use("/contacts", authenticate(options.sessions));

  /** Ask the policy, record the decision, stop here on a denial. */
  const guard =
    (
      action: DecisionRequest["action"],
      what: (
        c: Context<Env>,
      ) => Promise<
        Pick<DecisionRequest, "resource" | "fields" | "subjects" | "destination" | "recordCount">
      >,
    ): MiddlewareHandler<Env> =>
    async (c, next) => {
      const staff = c.get("staff");
      const { decision } = await access.decideAndRecord(ledger, {
        actor: staff.actorId,
        action,
        purpose: c.req.header("x-purpose") ?? "sales-follow-up",
        ...(await what(c)),
        context: { ip: clientIp(c), device: staff.device, session: staff.session },
      });
      if (!decision.allowed) {
        return c.json({ error: "forbidden", reasons: decision.reasons }, 403);
      }
      c.set("decision", decision);
      await next();
    };

  const requested = (c: Context<Env>): ContactField[] => {
    const q = c.req.query("fields");
    return q === undefined
      ? [...CONTACT_FIELDS]
      : CONTACT_FIELDS.filter((f) => q.split(",").includes(f));
  };

  // Registered before /contacts/:id so "export" is not taken for an id.
  app.get(
    "/contacts/export",
    guard("export", async (c) => {
      const subjects = exportable(access, contacts);
      return {
        resource: { type: "contact", id: "contact-list" },
        fields: requested(c),
        subjects,
        // Where the file goes, decided before it is written (issue 14): `?to=usb:stick-1`.
        destination: destinationOf(c),
        recordCount: Math.max(1, subjects.length),
      };
    }),
    async (c) => {
      const staff = c.get("staff");
      const decision = c.get("decision");
      const fields = requested(c).filter((f) => !decision.obligations.maskFields.includes(f));
      const rows = [["id", ...fields].join(",")];
      for (const id of decision.subjects) {
        const contact = await contacts.read(id);
        rows.push([id, ...fields.map((f) => csvCell(contact?.fields[f]))].join(","));
      }
      await ledger.append({
        type: "data.exported",
        actor: {
          id: staff.actorId,
          context: { ip: clientIp(c), device: staff.device, session: staff.session },
        },
        subjects: [...decision.subjects],
        payload: {
          format: "csv",
          destination: destinationOf(c),
          recordCount: decision.subjects.length,
          fields,
          purpose: c.req.header("x-purpose") ?? "sales-follow-up",
          resourceType: "contact",
        },
      });
      return c.text(`${rows.join("\n")}\n`, 200, { "content-type": "text/csv; charset=utf-8" });
    },
  );

  app.get(
    "/contacts/:id",
    guard("read", async (c) => ({
      resource: { type: "contact", id: c.req.param("id") as string },
      fields: requested(c),
    })),
    async (c) => {
      const contact = await contacts.read(c.req.param("id") as string);
      if (contact === undefined) return c.json({ error: "not-found" }, 404);
      const masked = c.get("decision").obligations.maskFields;
      const fields: Record<string, unknown> = {};
      for (const f of requested(c)) {
        const value = contact.fields[f];
        if (value === undefined) continue;
        if (masked.includes(f)) fields[f] = { masked: true };
        else if (isRedacted(value)) fields[f] = { redacted: value.reason };
        else fields[f] = value;
      }
      return c.json({ id: contact.id, fields, decisionId: c.get("decision").decisionId });
    },
  );

  app.patch(
    "/contacts/:id",
    guard("update", async (c) => ({
      resource: { type: "contact", id: c.req.param("id") as string },
      fields: Object.keys(decode(Values, await c.req.json())),
    })),
    async (c) => {
      const values = decode(Values, await c.req.json());
      const id = c.req.param("id") as string;
      await contacts.update(actorOf(c), id, values);
      return c.json({ id, updated: Object.keys(values) });
    },
  );

  app.post(
    "/contacts",
    guard("create", async (c) => {
      const body = decode(NewContact, await c.req.json());
      return {
        resource: { type: "contact", id: body.id },
        fields: Object.keys(body).filter((k) => k !== "id"),
        subjects: [body.id],
      };
    }),
    async (c) => {
      const { id, ...values } = decode(NewContact, await c.req.json());
      await contacts.create(actorOf(c), id, values);
      return c.json({ id }, 201);
    },
  );

  app.onError((e, c) => {
    // Typed errors carry a code and a path, never the offending value.
    if (isDaichoError(e) && e.code === "DECODE_ERROR")
      return c.json({ error: e.code, path: e.path }, 400);
    console.error("crm:", isDaichoError(e) ? e.code : e);
    return c.json({ error: "internal" }, 500);
  });
  return app;
}

/**
 * The export's destination from `?to=kind:id` (default: a download to the caller's own
 * device). An unknown kind is refused with 400 `DECODE_ERROR`, never treated as a download.
 */
function destinationOf(c: Context<Env>): Destination {
  const to = c.req.query("to");
  if (to === undefined) return { kind: "download", id: c.get("staff").device } as Destination;
  const at = to.indexOf(":");
  return decode(Destination, { kind: to.slice(0, at), id: to.slice(at + 1) });
}

function authenticate(sessions: ReadonlyMap<string, StaffSession>): MiddlewareHandler<Env> {
  return async (c, next) => {
    const token = c.req.header("authorization")?.replace(/^Bearer /, "");
    const staff = token === undefined ? undefined : sessions.get(token);
    if (staff === undefined) return c.json({ error: "unauthenticated" }, 401);
    c.set("staff", staff);
    await next();
  };
}

/** Contacts that may still be processed: erased ones are gone for good. */
function exportable(access: AccessPolicy, contacts: ContactBook): string[] {
  const now = Date.now();
  return contacts.ids().filter((id) => !access.views.records.isErasedAt(id, now));
}

function actorOf(c: Context<Env>) {
  const staff = c.get("staff");
  return {
    id: staff.actorId,
    context: { ip: clientIp(c), device: staff.device, session: staff.session },
  };
}

/** The caller's address as the socket saw it (IPv4-mapped IPv6 shortened). */
function clientIp(c: Context<Env>): string | undefined {
  const address = getConnInfo(c).remote.address;
  return address?.replace(/^::ffff:/, "");
}

function decode<A, O>(codec: t.Type<A, O, unknown>, input: unknown): A {
  return decodeWithOrThrow(codec, input, "$body");
}

function csvCell(value: unknown): string {
  if (value === undefined) return "";
  if (isRedacted(value)) return `[${value.reason}]`;
  const s = String(value);
  return /[",\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}
