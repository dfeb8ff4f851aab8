/// <reference lib="dom" />
/**
 * The request queue, the incident queue and alert handling in real Chromium (issue 15
 * items 6–8): work a request through to completion, refuse one, acknowledge an alert,
 * open an incident and download its PPC report, a support user refused a DPO-only action
 * by the server, a cross-site request refused; axe-core on the new parts; screenshots in
 * test-artifacts/console/.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { LedgerEvent } from "@daicho/core";
import type { Browser, BrowserContext, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { listen } from "../crm-service/server";
import { artifact, axeViolations, launch, signInAs } from "./browser";
import { hostApp } from "./host";
import { type SeededConsole, seedConsole } from "./seed";

let dir: string;
let seeded: SeededConsole;
let server: { url: string; close(): Promise<void> };
let browser: Browser;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-console-queues-"));
  seeded = await seedConsole(dir, new Date("2026-11-25T03:00:00Z"));
  server = await listen(hostApp(seeded, () => seeded.now));
  browser = await launch();
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await seeded?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

const headSeq = async () => (await seeded.ledger.head())?.seq as number;
const since = async (seq: number) => {
  const out: LedgerEvent[] = [];
  for await (const e of seeded.ledger.read({ from: seq + 1 })) out.push(e);
  return out;
};
async function expectNoAxeViolations(page: Page) {
  const violations = await axeViolations(page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
}
const requestRow = (page: Page, subject: string) =>
  page.locator("#requests-table tbody tr", { hasText: subject });

describe("the DPO works the queues in Chromium", () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    ({ context, page, errors } = await signInAs(browser, server.url, "dpo-kato"));
  });
  afterAll(async () => {
    expect(errors).toEqual([]);
    await context.close();
  });

  it("lists requests of every right with their deadlines, axe-clean in Japanese", async () => {
    expect(await page.locator("#requests-table tbody tr").count()).toBe(3);
    expect(await requestRow(page, "contact-0042").textContent()).toContain("appi.disclosure");
    expect(await page.locator("#incidents-table tbody tr").count()).toBe(1);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("queues-ja.png"), fullPage: true });
  });

  it("works an access request through to completion: identity, then the export as the answer", async () => {
    const row = requestRow(page, "contact-0040");
    await row.locator("[data-action^='verify'] summary").click();
    await row.locator("[data-form^='verify'] select").selectOption("id-document");
    const before = await headSeq();
    await row.locator("[data-form^='verify'] button[type=submit]").click();
    await page.waitForSelector("#messages:has-text('gdpr.access')");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      requestRow(page, "contact-0040").locator("[data-answer$=':json']").click(),
    ]);
    const path = artifact(download.suggestedFilename());
    await download.saveAs(path);
    expect(JSON.parse(readFileSync(path, "utf8")).subject).toBe("contact-0040");
    await page.waitForSelector("#messages:has-text('回答しました')");
    // The monitor may raise an alert on the export (a rule over exports): not the DPO's doing.
    const written = (await since(before)).filter((e) => e.type !== "alert.raised");
    expect(written.map((e) => [e.type, e.actor.id])).toEqual([
      ["request.identity-verified", "dpo-kato"],
      ["data.exported", "dpo-kato"],
      ["request.completed", "dpo-kato"],
    ]);
    expect(await requestRow(page, "contact-0040").count()).toBe(0);
    await page.screenshot({ path: artifact("request-answered-ja.png"), fullPage: true });
  });

  it("refuses a request on a legal ground from the service's list", async () => {
    const row = requestRow(page, "contact-0041");
    await row.locator("[data-action^='refuse'] summary").click();
    await row.locator("[data-form^='refuse'] select").selectOption("manifestly-unfounded");
    await row.locator("[data-form^='refuse'] input[name=reason]").fill("Repeated request");
    const before = await headSeq();
    await row.locator("[data-form^='refuse'] button[type=submit]").click();
    await page.waitForSelector("#messages:has-text('refuse')");
    const written = await since(before);
    expect(written.map((e) => e.type)).toEqual(["request.refused"]);
    expect(written[0]?.payload).toMatchObject({ ground: "manifestly-unfounded" });
    expect(await requestRow(page, "contact-0041").count()).toBe(0);
  });

  it("acknowledges an alert: recorded, and it leaves the open list", async () => {
    const first = page.locator("#alerts-ul li").first();
    const alertId = (await first.getAttribute("data-alert")) as string;
    await first.locator("summary").first().click();
    await first.locator("[data-action^='ack-'] summary").click();
    const before = await headSeq();
    await first.locator("[data-form^='ack-'] button[type=submit]").click();
    await page.waitForSelector(`#messages:has-text('${alertId}')`);
    const written = await since(before);
    expect(written.map((e) => [e.type, e.actor.id])).toEqual([["alert.acknowledged", "dpo-kato"]]);
    expect(await page.locator(`#alerts-ul li[data-alert='${alertId}']`).count()).toBe(0);
    await page.uncheck("#alerts-open-only");
    await page.waitForSelector(`#alerts-ul li[data-alert='${alertId}']`);
  });

  it("opens the incident, sees its deadlines and downloads its PPC report (ja)", async () => {
    await page.click("#incidents-table [data-incident]");
    await page.waitForSelector("#incident-deadlines");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("incident-h");
    expect(await page.locator("#incident-deadlines tbody tr").count()).toBe(3);
    expect(await page.textContent("#incident-deadlines")).toContain("速報");
    const before = await headSeq();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("#report-ppc-preliminary-md"),
    ]);
    const path = artifact(download.suggestedFilename());
    await download.saveAs(path);
    const text = readFileSync(path, "utf8");
    expect(text).toContain("個人データの漏えい等の事案に関する報告（速報）");
    const written = await since(before);
    expect(written.map((e) => [e.type, e.actor.id])).toEqual([["data.exported", "dpo-kato"]]);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("incident-ja.png"), fullPage: true });
    await page.click("#lang-switch");
    expect(await page.textContent("#incident-deadlines")).toContain("GDPR Art. 33");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("incident-en.png"), fullPage: true });
  });
});

describe("refusals in Chromium", () => {
  it("support may record an identity check but the server refuses it a DPO-only action", async () => {
    const { context, page, errors } = await signInAs(browser, server.url, "support-ito");
    expect(await page.isVisible("#incidents")).toBe(false);
    const row = requestRow(page, "contact-0042");
    expect(await row.locator("[data-action^='verify']").count()).toBe(1);
    expect(await row.locator("[data-action^='refuse']").count()).toBe(0);
    const item = await page.evaluate(async () => {
      const res = await fetch("api/queue", { headers: { "x-daicho-console": "1" } });
      return (await res.json()).items.find(
        (i: { subject: string }) => i.subject === "contact-0042",
      );
    });
    const before = await headSeq();
    const status = await page.evaluate(async (id: string) => {
      const res = await fetch(`api/queue/request/${id}/refuse`, {
        method: "POST",
        headers: { "x-daicho-console": "1", "content-type": "application/json" },
        body: JSON.stringify({ ground: "no-data", reason: "None held", version: 1 }),
      });
      return res.status;
    }, item.id);
    expect(status).toBe(403);
    const written = await since(before);
    expect(
      written.map((e) => [e.type, e.actor.id, (e.payload as { outcome?: string }).outcome]),
    ).toEqual([["data.accessed", "support-ito", "denied"]]);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("queues-support.png"), fullPage: true });
    expect(errors.filter((e) => !e.includes("status of 403"))).toEqual([]);
    await context.close();
  });

  it("refuses a cross-site request a signed-in DPO's browser is made to send", async () => {
    const { context, page } = await signInAs(browser, server.url, "dpo-kato");
    const target = await page.evaluate(async () => {
      const res = await fetch("api/queue", { headers: { "x-daicho-console": "1" } });
      return (await res.json()).items.find(
        (i: { subject: string }) => i.subject === "contact-0042",
      );
    });
    const evil: Server = createServer((_req, res) => {
      res.setHeader("content-type", "text/html");
      res.end("<!doctype html><title>evil</title><p>hi</p>");
    });
    await new Promise<void>((r) => evil.listen(0, "127.0.0.1", r));
    const evilUrl = `http://127.0.0.1:${(evil.address() as AddressInfo).port}/`;
    const before = await headSeq();
    const attacker = await context.newPage();
    await attacker.goto(evilUrl);
    const url = `${server.url}/console/api/queue/request/${target.id}/refuse`;
    await attacker.evaluate(async (u: string) => {
      // A "simple" request: no preflight, so the browser sends it with the cookie.
      await fetch(u, {
        method: "POST",
        mode: "no-cors",
        credentials: "include",
        headers: { "content-type": "text/plain" },
        body: JSON.stringify({ ground: "no-data", reason: "Forged", version: 1 }),
      }).catch(() => undefined);
      const form = document.createElement("form");
      form.method = "POST";
      form.action = u;
      document.body.append(form);
      form.submit();
    }, url);
    await attacker.waitForLoadState();
    expect((await since(before)).filter((e) => e.type.startsWith("request."))).toEqual([]);
    const still = await page.evaluate(async (id: string) => {
      const res = await fetch("api/queue", { headers: { "x-daicho-console": "1" } });
      return (await res.json()).items.find((i: { id: string }) => i.id === id)?.status;
    }, target.id);
    expect(still).toBe("open");
    await new Promise<void>((r) => evil.close(() => r()));
    await context.close();
  });

  it("the new sections fit a phone-sized screen, axe-clean", async () => {
    const { context, page, errors } = await signInAs(browser, server.url, "dpo-kato", {
      width: 390,
      height: 844,
    });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await page.click("#incidents-table [data-incident]");
    await page.waitForSelector("#incident-deadlines");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("queues-phone.png"), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("works from the keyboard: open an action, pick the method, submit", async () => {
    const { context, page, errors } = await signInAs(browser, server.url, "dpo-kato");
    const summary = requestRow(page, "contact-0042").locator("[data-action^='verify'] summary");
    await summary.focus();
    await page.keyboard.press("Enter");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.tagName)).toBe("SELECT");
    await page.keyboard.press("ArrowDown");
    await page.keyboard.press("Tab");
    const before = await headSeq();
    await page.keyboard.press("Enter");
    await page.waitForSelector("#messages:has-text('appi.disclosure')");
    const written = await since(before);
    expect(written.map((e) => e.type)).toEqual(["request.identity-verified"]);
    expect(written[0]?.payload).toMatchObject({ method: "id-document" });
    expect(errors).toEqual([]);
    await context.close();
  });
});
