/**
 * Issue 14 in the CRM: each preventive control stopping one leak path over HTTP, before
 * the data leaves. Each test opens a fresh CRM (60 scanned cards), records the control as
 * an event, and tries the leak as the sales rep (laptop-114, session sess-7c1).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventInput } from "@daicho/core";
import { afterEach, beforeEach, expect, it } from "vitest";
import { appFor, type Crm, listen, openCrm } from "./server";

let dir: string;
let crm: Crm;
let server: { url: string; close(): Promise<void> };
const ciso = { id: "ciso-yamada" };

beforeEach(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-crm-leaks-"));
  crm = await openCrm(dir, { contacts: 60 });
  server = await listen(appFor(crm));
});
afterEach(async () => {
  await server?.close();
  await crm?.close();
  rmSync(dir, { recursive: true, force: true });
});

const get = async (path: string) => {
  const res = await fetch(`${server.url}${path}`, {
    headers: { authorization: `Bearer ${crm.tokens.sales}` },
  });
  const body = res.headers.get("content-type")?.includes("json") ? await res.json() : undefined;
  return { status: res.status, reasons: body?.reasons as string[] | undefined, body };
};
async function record(events: EventInput[]): Promise<void> {
  await crm.ledger.appendBatch(events);
  await crm.projector.catchUp();
}
const laptop: EventInput = {
  type: "device.registered",
  actor: { id: "it-kato" },
  payload: { deviceId: "laptop-114", ownership: "company", owner: "sales-tanaka", managed: true },
};

it("a lost laptop reads nothing from the moment it is reported (紛失端末)", async () => {
  await record([laptop, { type: "device.policy-set", actor: ciso, payload: { rules: [] } }]);
  expect((await get("/contacts/contact-0001")).status).toBe(200);
  await record([
    {
      type: "device.lost",
      actor: { id: "sales-tanaka" },
      payload: { deviceId: "laptop-114", reportedBy: "sales-tanaka" },
    },
  ]);
  expect(await get("/contacts/contact-0001")).toMatchObject({
    status: 403,
    reasons: ["device-lost"],
  });
});

it("an export to a USB stick is refused before the file is written; a download is allowed", async () => {
  await record([
    {
      type: "destination.policy-set",
      actor: ciso,
      payload: { rules: [{ kinds: ["download"], upTo: "internal" }] },
    },
  ]);
  expect(await get("/contacts/export?to=usb:stick-1")).toMatchObject({
    status: 403,
    reasons: ["destination-not-allowed"],
  });
  expect((await get("/contacts/export?to=carrier:pigeon")).status).toBe(400); // unknown kind
  expect((await get("/contacts/export")).status).toBe(200);
  let exported = 0;
  for await (const e of crm.ledger.read()) if (e.type === "data.exported") exported++;
  expect(exported).toBe(1); // only the allowed download left the CRM
});

it("a mass export of the whole list is refused at the daily limit, not only alerted (大量持ち出し)", async () => {
  await record([
    {
      type: "volume.limits-set",
      actor: ciso,
      payload: { limits: [{ metric: "records-exported", window: "day", max: 50 }] },
    },
  ]);
  expect(await get("/contacts/export")).toMatchObject({
    status: 403,
    reasons: ["export-volume-exceeded"],
  });
  for await (const e of crm.ledger.read()) expect(e.type).not.toBe("data.exported");
});

it("an export on a password-only session needs MFA step-up first (多要素認証)", async () => {
  const session = (type: string, assurance: string): EventInput =>
    ({
      type,
      actor: { id: "sales-tanaka" },
      payload: { actorId: "sales-tanaka", sessionId: "sess-7c1", assurance },
    }) as EventInput;
  await record([
    session("auth.login-succeeded", "aal1"),
    {
      type: "auth.policy-set",
      actor: ciso,
      payload: { rules: [{ minimum: "aal2", actions: ["export"] }] },
    },
  ]);
  expect(await get("/contacts/export")).toMatchObject({ status: 403, reasons: ["mfa-required"] });
  expect((await get("/contacts/contact-0001")).status).toBe(200); // reads need no step-up
  await record([session("auth.mfa-passed", "aal2")]);
  expect((await get("/contacts/export")).status).toBe(200);
});
