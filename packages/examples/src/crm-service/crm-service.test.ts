import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type LedgerEvent, openPersonalRecorded } from "@daicho/core";
import { AccessPolicy, approveGrant, compilePolicy } from "@daicho/core/policy";
import { subjectAccess } from "@daicho/core/subject-access";
import { afterAll, beforeAll, expect, it } from "vitest";
import { cards } from "../shared/people";
import { appFor, type Crm, listen, openCrm } from "./server";

let dir: string;
let crm: Crm;
let server: { url: string; close(): Promise<void> };

const call = (token: string | undefined, method: string, path: string, body?: unknown) =>
  fetch(`${server.url}${path}`, {
    method,
    headers: {
      ...(token === undefined ? {} : { authorization: `Bearer ${token}` }),
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });

async function events(type: string): Promise<LedgerEvent[]> {
  const out: LedgerEvent[] = [];
  for await (const e of crm.ledger.read()) if (e.type === type) out.push(e);
  return out;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-crm-test-"));
  crm = await openCrm(dir, { contacts: 60 });
  server = await listen(appFor(crm));
});
afterAll(async () => {
  await server?.close();
  rmSync(dir, { recursive: true, force: true });
});

it("masks the notes for sales per the decision's obligation and records the read", async () => {
  const res = await call(crm.tokens.sales, "GET", "/contacts/contact-0001");
  expect(res.status).toBe(200);
  const body = await res.json();
  const card = cards(1)[0];
  expect(body.fields).toMatchObject({ name: card?.name, email: card?.email });
  expect(body.fields.notes).toEqual({ masked: true });

  const manager = await (await call(crm.tokens.manager, "GET", "/contacts/contact-0001")).json();
  expect(manager.fields.notes).toBe(card?.notes);

  const reads = (await events("data.accessed")).filter((e) => e.actor.id === "sales-tanaka");
  expect(reads.at(-1)?.payload).toMatchObject({
    action: "read",
    outcome: "allowed",
    maskedFields: ["notes"],
    decisionId: body.decisionId,
  });
  expect(reads.at(-1)?.actor.context).toMatchObject({ ip: "127.0.0.1", device: "laptop-114" });
});

it("records an update with its sealed values, and a denied update as a denial", async () => {
  const ok = await call(crm.tokens.sales, "PATCH", "/contacts/contact-0002", {
    phone: "+81-3-5555-0102",
  });
  expect(ok.status).toBe(200);
  const read = await (await call(crm.tokens.manager, "GET", "/contacts/contact-0002")).json();
  expect(read.fields.phone).toBe("+81-3-5555-0102");

  const denied = await call(crm.tokens.support, "PATCH", "/contacts/contact-0002", {
    phone: "+81-3-0000-0000",
  });
  expect(denied.status).toBe(403);
  expect((await denied.json()).reasons).toContain("no-grant");
  const last = (await events("data.accessed")).filter((e) => e.actor.id === "support-ito").at(-1);
  expect(last?.payload).toMatchObject({ action: "update", outcome: "denied", reason: "no-grant" });

  expect(
    (await call(crm.tokens.sales, "PATCH", "/contacts/contact-0002", { phone: 5 })).status,
  ).toBe(400);
  expect((await call(undefined, "GET", "/contacts/contact-0002")).status).toBe(401);
});

it("creates a contact from a scanned card, sealed, and reads it back", async () => {
  const card = {
    id: "contact-0901",
    name: "Ota Rin",
    company: "Kiso Trading",
    email: "rin.ota@kiso.example.jp",
  };
  expect((await call(crm.tokens.sales, "POST", "/contacts", card)).status).toBe(201);
  const read = await (await call(crm.tokens.sales, "GET", "/contacts/contact-0901")).json();
  expect(read.fields).toEqual({ name: "Ota Rin", company: "Kiso Trading", email: card.email });
  const created = (await events("record.created")).at(-1);
  expect(created?.personal?.map((p) => p.field)).toEqual(["name", "company", "email"]);
  expect(JSON.stringify(created)).not.toContain("Ota Rin");
  expect(
    (await call(crm.tokens.support, "POST", "/contacts", { ...card, id: "contact-0902" })).status,
  ).toBe(403);
});

it("exports every contact as CSV, records the export and raises the mass-export alert", async () => {
  const res = await call(crm.tokens.sales, "GET", "/contacts/export?fields=name,email,notes");
  expect(res.status).toBe(200);
  const lines = (await res.text()).trim().split("\n");
  expect(lines[0]).toBe("id,name,email"); // notes masked out of the export
  expect(lines).toHaveLength(62); // header + 60 scanned cards + the one created above

  await crm.monitor.flush();
  const [exported] = await events("data.exported");
  expect(exported?.payload).toMatchObject({ recordCount: 61, fields: ["name", "email"] });
  const alerts = await events("alert.raised");
  expect(alerts.map((a) => a.payload)).toEqual([
    expect.objectContaining({ rule: "mass-export", actorId: "sales-tanaka", count: 61 }),
  ]);
});

it("four eyes: an administrator alone cannot open the notes to a new hire", async () => {
  // The same CRM with four eyes switched on for confidential data.
  const strict = new AccessPolicy(
    crm.access.views,
    compilePolicy({
      purposes: { "sales-follow-up": { basis: "legitimate-interests", perSubject: false } },
      fourEyesFrom: "confidential",
    }),
  );
  await crm.ledger.appendBatch([
    {
      type: "actor.onboarded",
      actor: { id: "admin-sato" },
      payload: { actorId: "new-hire-kudo", roles: [], clearance: "confidential" },
    },
    {
      type: "permission.granted",
      actor: { id: "admin-sato" },
      payload: {
        grantId: "grant-kudo",
        grantee: { actor: "new-hire-kudo" },
        scope: { resourceType: "contact" },
        actions: ["read"],
        purposes: ["sales-follow-up"],
        grantedBy: "admin-sato",
      },
    },
  ]);
  await crm.projector.catchUp();
  const read = {
    actor: "new-hire-kudo",
    action: "read",
    resource: { type: "contact", id: "contact-0001" },
    fields: ["name", "notes"],
    purpose: "sales-follow-up",
  } as const;
  expect(strict.decide(read).reasons).toEqual(["no-grant", "grant-pending-approval"]);
  // Sato cannot approve his own grant; Suzuki can.
  await expect(
    approveGrant(crm.ledger, crm.access.views, { grantId: "grant-kudo", by: "admin-sato" }),
  ).rejects.toMatchObject({ code: "INVALID_ARGUMENT" });
  await approveGrant(crm.ledger, crm.access.views, { grantId: "grant-kudo", by: "manager-suzuki" });
  await crm.projector.catchUp();
  expect(strict.decide(read).reasons).toEqual(["allowed"]);
});

it("records a console user's read of the ledger's sealed values, and the contact sees it", async () => {
  const created = (await events("record.created")).find((e) =>
    e.subjects?.some((s) => s.id === "contact-0002"),
  ) as LedgerEvent;
  const fields = await openPersonalRecorded(crm.ledger, created, {
    actor: { id: "dpo-kato" },
    purpose: "dsar-review",
  });
  expect(fields.find((f) => f.field === "name")?.value).toBe(cards(2)[1]?.name);
  const report = await subjectAccess(crm.ledger, "contact-0002");
  expect(report.accesses.at(-1)).toMatchObject({ actor: "dpo-kato", purpose: "dsar-review" });
});

it("keeps the ledger verifiable with no name or e-mail in clear in its files", async () => {
  expect(await crm.ledger.verify()).toMatchObject({ ok: true });
  await crm.close();
  const files = ["ledger.db", "ledger.db-wal"].map((f) => join(dir, f)).filter(existsSync);
  const bytes = Buffer.concat(files.map((f) => readFileSync(f)));
  for (const c of cards(60)) {
    expect(bytes.includes(c.email)).toBe(false);
    expect(bytes.includes(c.name)).toBe(false);
  }
});
