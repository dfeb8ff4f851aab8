/// <reference lib="dom" />

import { createHash } from "node:crypto";
import { checkPdfStructure, extractPdfText } from "@daicho/core/testing";
import { beforeEach, describe, expect, it } from "vitest";
import {
  EMAIL,
  eventsSinceOf,
  type Fixture,
  headSeqOf,
  postJson,
  type Work,
  withSeededFixture,
} from "./test-fixture";

const seeded = withSeededFixture();
let fx: Fixture;
let work: Work;
beforeEach(() => {
  ({ fx, work } = seeded);
});

const CONTACT = { name: "Data Protection Office", contact: "dpo@crm.example.com" };
const headSeq = () => headSeqOf(fx);
const eventsSince = (seq: number) => eventsSinceOf(fx, seq);
const post = postJson;
const detail = async (h: ReturnType<Fixture["handler"]>, user = "dpo") =>
  (await (await fx.call(h, user, `/api/incidents/${work.incidentId}`)).json()).incident;
const step = (h: ReturnType<Fixture["handler"]>, user: string, action: string, body: unknown) =>
  fx.call(h, user, `/api/incidents/${work.incidentId}/${action}`, post(body));

describe("the incident queue", () => {
  it("lists an incident with its GDPR 72 h, 速報 and 確報 deadlines, and marks them overdue later", async () => {
    const h = fx.handler();
    const list = await (await fx.call(h, "auditor", "/api/incidents")).json();
    expect(list.incidents).toHaveLength(1);
    const i = list.incidents[0];
    const aware = Date.parse(work.awareAt);
    expect(i.deadlines.map((d: { key: string }) => d.key)).toEqual([
      "gdprAuthority",
      "appiPreliminary",
      "appiFinal",
    ]);
    expect(Date.parse(i.deadlines[0].dueBy) - aware).toBe(72 * 3_600_000);
    expect(i.deadlines[1].latestBy).toBeDefined();
    const finalDays = (Date.parse(i.deadlines[2].dueBy) - aware) / 86_400_000;
    expect(finalDays).toBeGreaterThan(30);
    expect(finalDays).toBeLessThan(32);
    expect(i).toMatchObject({ overdue: false, status: "detected", version: 1 });
    const late = fx.handler({ clock: () => new Date(aware + 80 * 3_600_000) });
    const l = (await (await fx.call(late, "dpo", "/api/incidents")).json()).incidents[0];
    expect(l.overdue).toBe(true);
    expect(l.deadlines[0]).toMatchObject({ key: "gdprAuthority", overdue: true, sent: false });
  });

  it("records contained, PPC 速報 and subjects notified through the service, each naming the DPO", async () => {
    const h = fx.handler();
    const before = await headSeq();
    expect(
      (await step(h, "dpo", "contain", { measures: "Remote wipe done", version: 1 })).status,
    ).toBe(200);
    expect(
      (await step(h, "dpo", "notify-regulator", { to: "ppc", stage: "preliminary", version: 2 }))
        .status,
    ).toBe(200);
    expect(
      (await step(h, "dpo", "notify-subjects", { count: 3, channel: "email", version: 3 })).status,
    ).toBe(200);
    const written = await eventsSince(before);
    expect(written.map((e) => e.type)).toEqual([
      "incident.contained",
      "incident.regulator-notified",
      "incident.subjects-notified",
    ]);
    for (const e of written) expect(e.actor).toMatchObject({ id: "dpo-kato", role: "dpo" });
    const i = await detail(h);
    expect(i.status).toBe("contained");
    expect(i.deadlines[1]).toMatchObject({ key: "appiPreliminary", sent: true });
  });

  it("downloads the PPC report (ja) as Markdown and HTML and the GDPR notice (en), each recorded", async () => {
    const h = fx.handler({ incidentContact: CONTACT });
    const before = await headSeq();
    const md = await fx.call(
      h,
      "auditor",
      `/api/incidents/${work.incidentId}/report?report=ppc-preliminary&format=md`,
    );
    expect(md.status).toBe(200);
    expect(md.headers.get("content-disposition")).toContain(".md");
    expect(await md.text()).toContain("速報");
    const html = await fx.call(
      h,
      "dpo",
      `/api/incidents/${work.incidentId}/report?report=ppc-final&format=html`,
    );
    expect(html.headers.get("content-type")).toMatch(/text\/html/);
    expect(await html.text()).toContain('lang="ja"');
    const gdpr = await fx.call(
      h,
      "dpo",
      `/api/incidents/${work.incidentId}/report?report=gdpr&format=md`,
    );
    expect(await gdpr.text()).toContain("Contact point");
    const written = await eventsSince(before);
    expect(written.map((e) => e.type)).toEqual(["data.exported", "data.exported", "data.exported"]);
    expect(written[0]).toMatchObject({
      actor: { id: "auditor-weber" },
      payload: {
        purpose: "incident-report",
        format: "incident-report-ppc-preliminary-md",
        resourceType: `incident:${work.incidentId}`,
      },
    });
  });

  it("downloads the PPC report as a PDF whose SHA-256 is recorded and whose text is the report's", async () => {
    const h = fx.handler({ incidentContact: CONTACT });
    const before = await headSeq();
    const res = await fx.call(
      h,
      "dpo",
      `/api/incidents/${work.incidentId}/report?report=ppc-preliminary&format=pdf`,
    );
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("application/pdf");
    expect(res.headers.get("content-disposition")).toContain(".pdf");
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect(checkPdfStructure(bytes).problems).toEqual([]);
    expect(extractPdfText(bytes).join("\n")).toContain("速報");
    const [recorded] = await eventsSince(before);
    expect(recorded?.payload).toMatchObject({
      format: "incident-report-ppc-preliminary-pdf",
      contentHash: createHash("sha256").update(bytes).digest("hex"),
    });
    // The same incident renders to the same bytes: the recorded hash recomputes.
    const again = await fx.call(
      h,
      "dpo",
      `/api/incidents/${work.incidentId}/report?report=ppc-preliminary&format=pdf`,
    );
    expect(new Uint8Array(await again.arrayBuffer())).toEqual(bytes);
  });

  it("downloads the report of an incident whose id a Note's phone screen would refuse", async () => {
    const incidentId = "inc-01a2354a-7bdd-74bf-b264-415018276590"; // as uuidv7 makes ~4 % of them
    await fx.ledger.append({
      type: "incident.detected",
      actor: { id: "daicho-intake" },
      payload: {
        incidentId,
        awareAt: work.awareAt,
        regimes: ["appi"],
        category: "misdirected-mail",
        summary: "A letter went to the wrong address",
        improperPurpose: false,
      },
    });
    const h = fx.handler();
    const res = await fx.call(
      h,
      "dpo",
      `/api/incidents/${incidentId}/report?report=ppc-preliminary&format=md`,
    );
    expect(res.status).toBe(200);
    const [recorded] = await eventsSince((await headSeq()) - 1);
    expect(recorded?.payload).toMatchObject({ resourceType: `incident:${incidentId}` });
  });

  it("offers no GDPR notice without a contact point, and refuses bad report queries, recording nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const base = `/api/incidents/${work.incidentId}/report`;
    expect((await fx.call(h, "dpo", `${base}?report=gdpr&format=md`)).status).toBe(404);
    expect((await fx.call(h, "dpo", `${base}?report=ppc-final&format=docx`)).status).toBe(400);
    expect((await fx.call(h, "dpo", `${base}?report=../../etc/passwd`)).status).toBe(400);
    expect((await fx.call(h, "dpo", `${base}`)).status).toBe(400);
    expect((await fx.call(h, "dpo", "/api/incidents/inc-nope/report?report=gdpr")).status).toBe(
      404,
    );
    expect(await headSeq()).toBe(before);
  });
});

describe("incidents: wrong roles, hostile bodies, stale pages", () => {
  it("support sees no incident; the auditor reads but cannot act (403 server-side, recorded)", async () => {
    const h = fx.handler();
    const before = await headSeq();
    expect((await fx.call(h, "support", "/api/incidents")).status).toBe(403);
    expect((await fx.call(h, "support", `/api/incidents/${work.incidentId}`)).status).toBe(403);
    expect((await step(h, "auditor", "contain", { measures: "Wiped", version: 1 })).status).toBe(
      403,
    );
    expect((await step(h, "support", "close", { finalReport: "Done", version: 1 })).status).toBe(
      403,
    );
    const written = await eventsSince(before);
    expect(written.every((e) => e.type === "data.accessed")).toBe(true);
    expect(written).toHaveLength(4);
    expect((await detail(h, "auditor")).version).toBe(1);
  });

  it("refuses hostile bodies with a typed error and changes nothing", async () => {
    const h = fx.handler();
    const before = await headSeq();
    const cases: [string, unknown][] = [
      ["contain", { measures: "Wiped" }],
      ["contain", { measures: `Told ${EMAIL}`, version: 1 }],
      ["contain", { measures: "Wiped", version: 1, actor: "someone" }],
      ["notify-regulator", { to: "fbi", stage: "initial", version: 1 }],
      ["notify-regulator", { to: "ppc", stage: "initial", version: 1 }], // a GDPR stage to the PPC
      ["notify-subjects", { count: -1, channel: "email", version: 1 }],
      ["notify-subjects", { count: 3, channel: "carrier pigeon", version: 1 }],
      ["describe", { details: { cause: 42 }, version: 1 }],
      ["scope", { from: "yesterday", to: "today", version: 1 }],
    ];
    for (const [action, body] of cases) {
      const res = await step(h, "dpo", action, body);
      expect(res.status, `${action} ${JSON.stringify(body)}`).toBe(400);
      expect(JSON.stringify(await res.json())).not.toContain(EMAIL);
    }
    expect((await step(h, "dpo", "explode", {})).status).toBe(404);
    expect(await headSeq()).toBe(before);
  });

  it("refuses a step decided on a stale page and anything on a closed incident", async () => {
    const h = fx.handler();
    expect((await step(h, "dpo", "contain", { measures: "Wiped", version: 1 })).status).toBe(200);
    const before = await headSeq();
    const stale = await step(h, "dpo", "close", { finalReport: "All done", version: 1 });
    expect(stale.status).toBe(409);
    expect((await stale.json()).error.code).toBe("STALE_VIEW");
    expect(await headSeq()).toBe(before);
    expect((await step(h, "dpo", "close", { finalReport: "All done", version: 2 })).status).toBe(
      200,
    );
    const closed = await step(h, "dpo", "contain", { measures: "Again", version: 3 });
    expect(closed.status).toBe(409);
    expect((await closed.json()).error.code).toBe("REQUEST_CLOSED");
  });

  it("scopes the incident: the breach-impact report frozen by hash, totals only in the answer", async () => {
    const h = fx.handler();
    const res = await step(h, "dpo", "scope", {
      from: new Date(Date.now() - 86_400_000).toISOString(),
      to: new Date().toISOString(),
      actor: "sales-tanaka",
      version: 1,
    });
    expect(res.status).toBe(200);
    const body = await res.json();
    expect(body.scope.reportHash).toMatch(/^[0-9a-f]{64}$/);
    expect(body.scope.subjects).toBeGreaterThan(0);
    expect(JSON.stringify(body)).not.toContain("contact-000");
    expect((await detail(h)).status).toBe("scoped");
  });
});
