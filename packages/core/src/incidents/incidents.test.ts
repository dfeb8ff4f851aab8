import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { memoryKeyStore } from "../keys/memory";
import { openLedger } from "../ledger";
import { localDate } from "../requests/deadlines";
import { rejectsWith as rejects, tamperedStore } from "../requests/test-support";
import { memoryStore } from "../store/memory";
import type { Store } from "../store/store";
import { APPI_TIME_ZONE, incidentDeadlines } from "./deadlines";
import { gdprNotification, ppcReport, reportHtml, reportMarkdown } from "./report";
import { impactReportHash, incidentsService } from "./service";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(5) };
const dpo = { id: "dpo-1", role: "dpo" };
const AWARE = "2026-05-01T10:00:00.000Z"; // 19:00 JST, Friday 1 May

function read(actor: string, subject: string, at: string): EventInput {
  return {
    type: "data.accessed",
    actor: { id: actor, context: { ip: "10.0.0.9", device: `dev-${actor}` } },
    subjects: [subject],
    occurredAt: at,
    payload: {
      resource: { type: "contact", id: subject },
      fields: ["email", "phone"],
      purpose: "sales",
      outcome: "allowed",
    },
    personal: [{ subject, field: "email", value: `${subject}@example.jp` }],
  } as EventInput;
}

async function setup(store: Store = memoryStore()) {
  let now = new Date("2026-05-02T00:00:00.000Z");
  const clock = () => now;
  const ledger = await openLedger({
    store,
    ledgerId: "incidents.test/l",
    keys: { store: memoryKeyStore(), kek },
    clock,
  });
  for (const s of ["c-1", "c-2", "c-3"])
    await ledger.append(read("sales-7", s, "2026-04-30T03:00:00.000Z"));
  await ledger.append(read("sales-8", "c-4", "2026-04-30T03:00:00.000Z"));
  return {
    ledger,
    incidents: incidentsService({ ledger, actor: dpo, clock }),
    setNow: (d: string) => {
      now = new Date(d);
    },
  };
}

const detectBoth = {
  awareAt: AWARE,
  regimes: ["gdpr", "appi"] as ("gdpr" | "appi")[],
  category: "unauthorised-access",
  summary: "A sales account exported contacts outside its territory",
  improperPurpose: true,
};

describe("incident deadlines", () => {
  it("gives GDPR 72 hours and APPI 3–5 days / 30 or 60 days in JST, the day of awareness not counted", () => {
    const d = incidentDeadlines(new Date(AWARE), ["gdpr", "appi"], false);
    expect(d.gdprAuthority).toBe("2026-05-04T10:00:00.000Z");
    expect(d.appiPreliminary).toBe("2026-05-04T14:59:59.999Z");
    expect(d.appiPreliminaryLatest).toBe("2026-05-06T14:59:59.999Z");
    expect(d.appiFinal).toBe("2026-05-31T14:59:59.999Z");
    expect(incidentDeadlines(new Date(AWARE), ["appi"], true).appiFinal).toBe(
      "2026-06-30T14:59:59.999Z",
    );
    // 01:00 JST on 1 May is still 30 April in UTC: the Japanese date counts.
    expect(incidentDeadlines(new Date("2026-04-30T16:00:00Z"), ["appi"], false).appiFinal).toBe(
      "2026-05-31T14:59:59.999Z",
    );
    expect(incidentDeadlines(new Date(AWARE), ["gdpr"], false).appiFinal).toBeUndefined();
  });

  it("property: the 確報 ends at 23:59:59.999 JST exactly 30 (or 60) Japanese dates after awareness", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: Date.UTC(2020, 0, 1), max: Date.UTC(2035, 0, 1) }),
        fc.boolean(),
        (ms, improper) => {
          const aware = new Date(ms);
          const final = new Date(incidentDeadlines(aware, ["appi"], improper).appiFinal as string);
          const days = improper ? 60 : 30;
          const a = Date.parse(`${localDate(aware, APPI_TIME_ZONE)}T00:00:00Z`);
          const f = Date.parse(`${localDate(final, APPI_TIME_ZONE)}T00:00:00Z`);
          expect((f - a) / 86_400_000).toBe(days);
          expect(localDate(new Date(final.getTime() + 1), APPI_TIME_ZONE)).not.toBe(
            localDate(final, APPI_TIME_ZONE),
          );
          expect((final.getTime() + 1 + 9 * 3_600_000) % 86_400_000).toBe(0);
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe("incidents", () => {
  it("records an incident from detection to closure, with the impact report frozen by hash", async () => {
    const { ledger, incidents, setNow } = await setup();
    const inc = await incidents.detect(detectBoth);
    expect(inc.status).toBe("detected");
    const { incident, report } = await incidents.scope(inc.incidentId, {
      actor: "sales-7",
      from: "2026-04-29T00:00:00Z",
      to: "2026-05-01T00:00:00Z",
    });
    expect(incident.scope?.subjects).toBe(3);
    expect(incident.scope?.reportHash).toBe(impactReportHash(report));
    expect(incident.scope?.sealedFields).toEqual(["email"]);
    // Later activity by the same actor does not move the frozen scope.
    await ledger.append(read("sales-7", "c-4", "2026-04-30T05:00:00.000Z"));
    expect((await incidents.get(inc.incidentId)).scope?.subjects).toBe(3);

    await incidents.describe(inc.incidentId, {
      cause: "Shared password on a sales account",
      prevention: "MFA for all sales accounts",
    });
    await incidents.contain(inc.incidentId, { measures: "Account disabled, sessions revoked" });
    await incidents.notifyRegulator(inc.incidentId, {
      to: "gdpr-authority",
      stage: "initial",
      reference: "sa-2026-118",
    });
    await incidents.notifyRegulator(inc.incidentId, { to: "ppc", stage: "preliminary" });
    await incidents.notifySubjects(inc.incidentId, { count: 3, channel: "email" });
    setNow("2026-06-20T00:00:00.000Z");
    await incidents.notifyRegulator(inc.incidentId, { to: "ppc", stage: "final" });
    const closed = await incidents.close(inc.incidentId, {
      finalReport: "Closed after PPC final report",
    });
    expect(closed.status).toBe("closed");
    expect(closed.notifications.map((n) => `${n.to}:${n.stage ?? n.count}`)).toEqual([
      "gdpr-authority:initial",
      "ppc:preliminary",
      "subjects:3",
      "ppc:final",
    ]);
    await rejects(
      incidents.notifySubjects(inc.incidentId, { count: 1, channel: "email" }),
      "REQUEST_CLOSED",
    );
  });

  it("flags overdue reports and requires the reasons for a late one", async () => {
    const { ledger, incidents, setNow } = await setup();
    const inc = await incidents.detect(detectBoth);
    setNow("2026-05-04T09:00:00.000Z");
    expect((await incidents.list({ open: true }))[0]?.overdue).toEqual([]);
    setNow("2026-05-05T00:00:00.000Z");
    expect((await incidents.list())[0]?.overdue).toEqual(["gdprAuthority", "appiPreliminary"]);
    const before = await ledger.head();
    await rejects(
      incidents.notifyRegulator(inc.incidentId, { to: "gdpr-authority", stage: "initial" }),
      "INVALID_ARGUMENT",
    );
    expect(await ledger.head()).toEqual(before);
    await incidents.notifyRegulator(inc.incidentId, {
      to: "gdpr-authority",
      stage: "initial",
      lateReason: "Scope was only established on day 4",
    });
    expect((await incidents.list())[0]?.overdue).toEqual(["appiPreliminary"]);
  });

  it("rejects a report to an authority of another regime, a wrong stage and hostile input; records nothing", async () => {
    const { ledger, incidents } = await setup();
    const gdprOnly = await incidents.detect({ ...detectBoth, regimes: ["gdpr"] });
    const before = await ledger.head();
    await rejects(
      incidents.notifyRegulator(gdprOnly.incidentId, { to: "ppc", stage: "preliminary" }),
      "INVALID_ARGUMENT",
    );
    await rejects(
      incidents.notifyRegulator(gdprOnly.incidentId, { to: "gdpr-authority", stage: "final" }),
      "INVALID_ARGUMENT",
    );
    await rejects(
      incidents.detect({ ...detectBoth, awareAt: "2027-01-01T00:00:00Z" }),
      "INVALID_ARGUMENT",
    );
    await rejects(
      incidents.detect({ ...detectBoth, summary: "Leak reported by hanako@example.jp" }),
      "DECODE_ERROR",
    );
    await rejects(
      incidents.describe(gdprOnly.incidentId, { cause: "電話 090-1234-5678 から連絡" }),
      "DECODE_ERROR",
    );
    await rejects(
      incidents.describe(gdprOnly.incidentId, { motive: "x" } as never),
      "DECODE_ERROR",
    );
    await rejects(incidents.contain("inc-unknown", { measures: "x" }), "NOT_FOUND");
    await rejects(incidents.get("not an id"), "DECODE_ERROR");
    expect(await ledger.head()).toEqual(before);
  });

  it("fails closed on a tampered incident event", async () => {
    let tamper = false;
    const store = tamperedStore(
      memoryStore(),
      "incident.detected",
      (body) => body.replace('"improperPurpose":true', '"improperPurpose":false'),
      () => tamper,
    );
    const { ledger } = await setup(store);
    const first = incidentsService({
      ledger,
      actor: dpo,
      clock: () => new Date("2026-05-02T00:00:00Z"),
    });
    await first.detect(detectBoth);
    tamper = true;
    const fresh = incidentsService({
      ledger,
      actor: dpo,
      clock: () => new Date("2026-05-02T00:00:00Z"),
    });
    await rejects(fresh.list(), "STORE_CORRUPT");
  });
});

describe("incident reports", () => {
  it("writes the PPC report's nine items in Japanese and GDPR Art. 33(3)'s content in English", async () => {
    const { incidents } = await setup();
    const inc = await incidents.detect(detectBoth);
    await incidents.scope(inc.incidentId, {
      actor: "sales-7",
      from: "2026-04-29T00:00:00Z",
      to: "2026-05-01T00:00:00Z",
    });
    await incidents.describe(inc.incidentId, {
      cause: "共有パスワードの不正利用",
      consequences: "Phishing risk",
    });
    const i = await incidents.get(inc.incidentId);
    const ppc = reportMarkdown(ppcReport(i, "preliminary"));
    for (const heading of [
      "1. 概要",
      "2. 漏えい等が発生し、又は発生したおそれがある個人データの項目",
      "3. 漏えい等が発生し、又は発生したおそれがある個人データに係る本人の数",
      "4. 原因",
      "5. 二次被害又はそのおそれの有無及びその内容",
      "6. 本人への対応の実施状況",
      "7. 公表の実施状況",
      "8. 再発防止のための措置",
      "9. その他参考となる事項",
    ])
      expect(ppc).toContain(`## ${heading}`);
    expect(ppc).toContain("3人");
    expect(ppc).toContain("共有パスワードの不正利用");
    expect(ppc).toContain("2026年5月1日 19:00（日本時間）");
    expect(ppc).toContain("email（鍵の流出: なし）");
    const gdpr = reportMarkdown(gdprNotification(i, { name: "DPO office", contact: "dpo-desk" }));
    for (const h of [
      "(a) Nature of the breach",
      "(b) Contact point",
      "(c) Likely consequences",
      "(d) Measures taken or proposed",
    ])
      expect(gdpr).toContain(h);
    expect(gdpr).toContain("Approximately 3 data subjects");
    expect(gdpr).toContain("Phishing risk");
  });

  it("escapes free text so a Note cannot inject HTML or Markdown", async () => {
    const { incidents } = await setup();
    const inc = await incidents.detect({
      ...detectBoth,
      summary: '<script>alert("x")</script> **bold** [link](javascript:x)',
    });
    const i = await incidents.get(inc.incidentId);
    const html = reportHtml(ppcReport(i, "final"));
    expect(html).not.toContain("<script>");
    expect(html).toContain("&lt;script&gt;");
    expect(html).toContain('<html lang="ja">');
    const md = reportMarkdown(gdprNotification(i, { name: "DPO", contact: "desk" }));
    expect(md).not.toContain("<script>");
    expect(md).toContain("\\*\\*bold\\*\\*");
    expect(md).toContain("\\[link\\]");
  });
});
