/**
 * Issue 14 in the sales-agency scenario (委託先): the outsourced agency's staff are where
 * last year's leak came from. Each preventive control stops one path, before the data
 * moves: the agent's own phone, a personal cloud drive, a bulk pull before leaving, a
 * password-only login; and the leaver's devices are listed for collection.
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { EventInput } from "@daicho/core";
import { AccessPolicy, compilePolicy, type DecisionRequest } from "@daicho/core/policy";
import { offboardingReport } from "@daicho/core/reports";
import { afterAll, beforeAll, expect, it } from "vitest";
import { ContactBook } from "../crm-service/contacts";
import { type ExampleLedger, openExampleLedger } from "../shared/ledger";
import { cards } from "../shared/people";

const MIN = 60_000;
const ACME = cards(6, 11, "acme-contact");
const VIP = ACME[0]?.id as string; // the client's key account: strictly confidential (厳秘)
const policy = compilePolicy({
  purposes: { "sales-follow-up": { basis: "legitimate-interests", perSubject: false } },
});
const admin = { id: "admin-sato" };
const ciso = { id: "ciso-yamada" };

let dir: string;
let crm: ExampleLedger;
let access: AccessPolicy;
/** Decisions run on their own clock, from just after the set-up was recorded. */
let now = 0;

const agentPc = (agent: string): EventInput => ({
  type: "device.registered",
  actor: { id: "agency-it" },
  payload: { deviceId: `${agent}-pc`, ownership: "company", owner: agent, managed: true },
});

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-agency-leaks-"));
  crm = await openExampleLedger(dir, { ledgerId: "crm.example.com/agency-leaks" });
  access = new AccessPolicy(crm.projector.views, policy, () => now);
  const book = new ContactBook(crm.ledger);
  for (const { id, ...values } of ACME) await book.create({ id: "client-acme" }, id, values);
  await crm.ledger.appendBatch([
    ...["agent-kimura", "agent-abe"].map(
      (actorId): EventInput => ({
        type: "actor.onboarded",
        actor: { id: "agency-admin-hoshi" },
        payload: {
          actorId,
          roles: ["agency-sales"],
          teams: ["hoshi-sales"],
          organisation: "hoshi-sales",
          clearance: "strictly-confidential",
        },
      }),
    ),
    {
      type: "permission.granted",
      actor: admin,
      payload: {
        grantId: "grant-agency",
        grantee: { role: "agency-sales" },
        scope: { resourceType: "contact", subjects: ACME.map((c) => c.id) },
        actions: ["read", "export"],
        purposes: ["sales-follow-up"],
        grantedBy: "admin-sato",
      },
    },
    {
      type: "classification.changed",
      actor: admin,
      payload: { resource: { type: "contact", id: VIP }, level: "strictly-confidential" },
    },
    agentPc("agent-kimura"),
    agentPc("agent-abe"),
    {
      type: "device.registered",
      actor: { id: "agency-it" },
      payload: {
        deviceId: "kimura-phone",
        ownership: "personal",
        owner: "agent-kimura",
        managed: false,
      },
    },
    // The controls, each an event: who set what, when.
    {
      type: "device.policy-set",
      actor: ciso,
      payload: {
        rules: [
          { atLeast: "strictly-confidential", ownership: ["company"], managedOnly: true },
          { atLeast: "public", ownership: ["company"], actions: ["export"] },
        ],
      },
    },
    {
      type: "destination.policy-set",
      actor: ciso,
      payload: { rules: [{ kinds: ["partner"], upTo: "confidential", ids: ["hoshi-sales-crm"] }] },
    },
    {
      type: "volume.limits-set",
      actor: ciso,
      payload: { limits: [{ metric: "records-read", window: "hour", max: 30 }] },
    },
    {
      type: "auth.policy-set",
      actor: ciso,
      payload: { rules: [{ minimum: "aal2", atLeast: "strictly-confidential" }] },
    },
    ...["agent-kimura", "agent-abe"].map(
      (a): EventInput => ({
        type: "auth.login-succeeded",
        actor: { id: a },
        payload: {
          actorId: a,
          sessionId: `${a}-s1`,
          assurance: a === "agent-abe" ? "aal1" : "aal2",
        },
      }),
    ),
  ]);
  await crm.projector.catchUp();
  now = Date.now();
});
afterAll(async () => {
  await crm?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function attempt(agent: string, over: Partial<DecisionRequest> = {}) {
  now += MIN;
  const { decision } = await access.decideAndRecord(crm.ledger, {
    actor: agent,
    action: "read",
    resource: { type: "contact", id: ACME[1]?.id as string },
    purpose: "sales-follow-up",
    ...over,
    context: { device: `${agent}-pc`, session: `${agent}-s1`, ...over.context },
  });
  await crm.projector.catchUp();
  return decision.reasons;
}
const vip = { type: "contact", id: VIP };

it("the key account's details never reach an agent's personal phone (私物端末)", async () => {
  expect(
    await attempt("agent-kimura", { resource: vip, context: { device: "kimura-phone" } }),
  ).toEqual(["device-not-allowed"]);
  expect(await attempt("agent-kimura", { resource: vip })).toEqual(["allowed"]);
  expect(await attempt("agent-kimura", { context: { device: "kimura-phone" } })).toEqual([
    "allowed",
  ]);
});

it("an export to a personal cloud drive is refused; the agency's own CRM is allowed", async () => {
  const to = (kind: "cloud-storage" | "partner", id: string) =>
    attempt("agent-kimura", { action: "export", destination: { kind, id }, recordCount: 5 });
  expect(await to("cloud-storage", "personal-drive")).toEqual(["destination-not-allowed"]);
  expect(await to("partner", "hoshi-sales-crm")).toEqual(["allowed"]);
});

it("a bulk pull of the list before leaving stops at the hourly limit (退職前の大量持ち出し)", async () => {
  expect(await attempt("agent-kimura", { recordCount: 25 })).toEqual(["allowed"]);
  expect(await attempt("agent-kimura", { recordCount: 25 })).toEqual(["read-volume-exceeded"]);
  expect(await attempt("agent-abe", { recordCount: 25 })).toEqual(["allowed"]); // per actor
});

it("a password-only login cannot open the key account until MFA passes", async () => {
  expect(await attempt("agent-abe", { resource: vip })).toEqual(["mfa-required"]);
  await crm.ledger.append({
    type: "auth.mfa-passed",
    actor: { id: "agent-abe" },
    payload: { actorId: "agent-abe", sessionId: "agent-abe-s1", assurance: "aal2" },
  });
  await crm.projector.catchUp();
  expect(await attempt("agent-abe", { resource: vip })).toEqual(["allowed"]);
});

it("when Kimura leaves, the report lists the personal phone that held Acme's data, not wiped", async () => {
  await crm.ledger.append({
    type: "actor.offboarded",
    actor: { id: "agency-admin-hoshi" },
    payload: { actorId: "agent-kimura", reason: "Left the agency" },
  });
  await crm.projector.catchUp();
  const report = offboardingReport(crm.projector.views, "agent-kimura");
  expect(
    report.devices.map((d) => [d.deviceId, d.ownership, d.heldCustomerData, d.actionNeeded]),
  ).toEqual([
    ["agent-kimura-pc", "company", true, true],
    ["kimura-phone", "personal", true, true],
  ]);
  expect((await crm.ledger.verify()).ok).toBe(true);
});
