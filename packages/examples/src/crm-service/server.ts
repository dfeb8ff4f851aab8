/**
 * Wiring: ledger + views + policy + monitor + contact book + HTTP server. This is the
 * part of the example a host copies into its own start-up code.
 */
import type { AddressInfo } from "node:net";
import type { Alert } from "@daicho/core/monitor";
import { Monitor } from "@daicho/core/monitor";
import { AccessPolicy } from "@daicho/core/policy";
import { serve } from "@hono/node-server";
import type { Hono } from "hono";
import { type ExampleLedger, openExampleLedger } from "../shared/ledger";
import { cards } from "../shared/people";
import { crmApp, type StaffSession } from "./app";
import { ContactBook } from "./contacts";
import { crmMonitor, crmPolicy, crmStaff } from "./policy";

export interface Crm extends ExampleLedger {
  readonly access: AccessPolicy;
  readonly contacts: ContactBook;
  readonly monitor: Monitor;
  readonly alerts: Alert[];
  /** Bearer tokens of the signed-in staff (stand-ins for real sessions). */
  readonly tokens: Readonly<Record<"sales" | "manager" | "support", string>>;
}

const SESSIONS = new Map<string, StaffSession>([
  ["tok-sales", { actorId: "sales-tanaka", device: "laptop-114", session: "sess-7c1" }],
  ["tok-manager", { actorId: "manager-suzuki", device: "laptop-020", session: "sess-2a9" }],
  ["tok-support", { actorId: "support-ito", device: "desk-031", session: "sess-5f0" }],
]);

/**
 * Open the CRM's ledger in `dir`; on first start record the staff and grants and scan
 * `contacts` business cards. Alerts go to the ledger (`alert.raised`) and to `alerts`.
 */
export async function openCrm(dir: string, options: { contacts?: number } = {}): Promise<Crm> {
  const base = await openExampleLedger(dir);
  const { ledger, projector } = base;
  const access = new AccessPolicy(projector.views, crmPolicy);
  const alerts: Alert[] = [];
  const monitor = new Monitor({
    config: crmMonitor,
    views: projector.views,
    ledger,
    onAlert: (a) => alerts.push(a),
  });
  monitor.attach(projector);
  const contacts = new ContactBook(ledger);
  if ((await ledger.head()) === null) {
    await ledger.appendBatch(crmStaff());
    for (const { id, ...values } of cards(options.contacts ?? 60)) {
      await contacts.create({ id: "sales-tanaka", role: "sales" }, id, values);
    }
  } else {
    await contacts.load();
  }
  return {
    ...base,
    access,
    contacts,
    monitor,
    alerts,
    tokens: { sales: "tok-sales", manager: "tok-manager", support: "tok-support" },
  };
}

/** The CRM's Hono app for this CRM instance (mount it, or serve it with {@link listen}). */
export function appFor(crm: Crm): Hono {
  return crmApp({
    ledger: crm.ledger,
    access: crm.access,
    contacts: crm.contacts,
    sessions: SESSIONS,
  }) as unknown as Hono;
}

/** Serve a Hono app on 127.0.0.1 (port 0: the OS picks a free one); resolves with its URL. */
export function listen(
  app: { fetch: (request: Request) => Response | Promise<Response> },
  port = 0,
): Promise<{ url: string; close(): Promise<void> }> {
  return new Promise((resolve) => {
    const server = serve({ fetch: app.fetch, hostname: "127.0.0.1", port }, (info: AddressInfo) =>
      resolve({
        url: `http://127.0.0.1:${info.port}`,
        close: () => new Promise((done) => server.close(() => done())),
      }),
    );
  });
}
