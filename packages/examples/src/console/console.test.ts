/// <reference lib="dom" />
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verifyBundle } from "@daicho/core/bundle";
import { parseVerifierKey } from "@daicho/core/checkpoint";
import * as E from "fp-ts/lib/Either.js";
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
  dir = mkdtempSync(join(tmpdir(), "daicho-console-test-"));
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

/** A browser context signed in to the example CRM as `user`, on the console page. */
const signedIn = (user: string, viewport?: { width: number; height: number }) =>
  signInAs(browser, server.url, user, viewport);

async function expectNoAxeViolations(page: Page) {
  const violations = await axeViolations(page);
  expect(violations, JSON.stringify(violations, null, 1)).toEqual([]);
}

const headSeq = async () => (await seeded.ledger.head())?.seq as number;
const since = async (seq: number) => {
  const out = [];
  for await (const e of seeded.ledger.read({ from: seq + 1 })) out.push(e);
  return out;
};

describe("the DPO's main flows in Chromium", () => {
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  beforeAll(async () => {
    ({ context, page, errors } = await signedIn("dpo-kato"));
  });
  afterAll(async () => {
    expect(errors).toEqual([]);
    await context.close();
  });

  it("opens in Japanese, verified, with no accessibility violation", async () => {
    expect(await page.getAttribute("html", "lang")).toBe("ja");
    expect(await page.textContent("h1")).toBe("台帳 コンプライアンス・コンソール");
    expect(await page.textContent("#verify-status")).toBe("✓ 検証済み");
    expect(await page.textContent("#checkpoint-card")).toContain("署名は有効");
    expect(await page.$$("#queue-table tbody tr")).toHaveLength(4);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("overview-ja.png"), fullPage: true });
  });

  it("searches by subject id and drills into a subject; the read is recorded with the purpose", async () => {
    await page.fill("#search-q", "contact-0031");
    await page.selectOption("#search-purpose", "dsr-response");
    await page.click("#search-go");
    await page.waitForSelector("[data-open='contact-0031']");
    const before = await headSeq();
    await page.click("[data-open='contact-0031']");
    await page.waitForSelector("#subject-timeline");
    const recorded = await since(before);
    expect(recorded.map((e) => [e.type, e.actor.id])).toEqual([["data.accessed", "dpo-kato"]]);
    expect(recorded[0]?.payload).toMatchObject({ purpose: "dsr-response", outcome: "allowed" });
    expect(await page.textContent("#recorded-as")).toContain(String(recorded[0]?.seq));
    expect(await page.$$("#personal-data tbody tr")).not.toHaveLength(0);
    expect(await page.$$("#access-report tbody tr")).not.toHaveLength(0);
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("subject-h");
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("subject-ja.png"), fullPage: true });
  });

  it("approves an erasure from the queue: erased, recorded under the DPO, gone from the queue", async () => {
    const before = await headSeq();
    page.once("dialog", (d) => void d.accept());
    const row = page.locator("#queue-table tbody tr", { hasText: "contact-0057" });
    await row.locator("[data-execute]").click();
    await page.waitForSelector("#messages:has-text('contact-0057')");
    const written = await since(before);
    expect(
      written.filter((e) => e.type.startsWith("erasure.")).map((e) => [e.type, e.actor.id]),
    ).toEqual([
      ["erasure.fenced", "dpo-kato"],
      ["erasure.completed", "dpo-kato"],
    ]);
    expect(await page.locator("#queue-table tbody tr", { hasText: "contact-0057" }).count()).toBe(
      0,
    );
    await page.screenshot({ path: artifact("erased-ja.png"), fullPage: true });
  });

  it("exports an audit bundle that verifies offline; the export is recorded", async () => {
    const before = await headSeq();
    await page.locator("#exports").scrollIntoViewIfNeeded();
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.click("#export-bundle"),
    ]);
    const path = artifact(download.suggestedFilename());
    await download.saveAs(path);
    const key = parseVerifierKey(seeded.verifierKey);
    if (E.isLeft(key)) throw key.left;
    const report = verifyBundle(readFileSync(path, "utf8"), { policy: { keys: [key.right] } });
    expect(E.isRight(report)).toBe(true);
    const recorded = await since(before);
    expect(recorded.map((e) => [e.type, e.actor.id])).toEqual([["data.exported", "dpo-kato"]]);
    await page.waitForSelector("#messages:has-text('bundle-')");
  });

  it("switches to English without reading the subject again; dates follow the language", async () => {
    const before = await headSeq();
    const jaDate = await page.textContent("#subject-timeline tbody tr td:nth-child(2)");
    await page.click("#lang-switch");
    expect(await page.getAttribute("html", "lang")).toBe("en");
    expect(await page.textContent("h1")).toBe("Daichō compliance console");
    expect(await page.textContent("#verify-status")).toBe("✓ Verified");
    const enDate = await page.textContent("#subject-timeline tbody tr td:nth-child(2)");
    expect(enDate).not.toBe(jaDate);
    expect(jaDate).toMatch(/\d{4}\/\d{1,2}\/\d{1,2}/);
    expect(enDate).toMatch(/[A-Z][a-z]{2} \d{4}/);
    expect(await headSeq()).toBe(before);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("subject-en.png"), fullPage: true });
    await page.reload();
    await page.waitForSelector("body[data-ready=true]");
    expect(await page.getAttribute("html", "lang")).toBe("en"); // the choice is kept
  });
});

describe("other users, phone width, keyboard", () => {
  it("the auditor sees dates in Berlin time and English by default, and no queue actions", async () => {
    const { context, page, errors } = await signedIn("auditor-weber");
    expect(await page.getAttribute("html", "lang")).toBe("en");
    const received = await page.getAttribute(
      "#queue-table tbody tr td:nth-child(3) time",
      "datetime",
    );
    const shown = await page.textContent("#queue-table tbody tr td:nth-child(3) time");
    const berlin = new Intl.DateTimeFormat("en-GB", {
      dateStyle: "medium",
      timeStyle: "short",
      timeZone: "Europe/Berlin",
    }).format(new Date(received as string));
    expect(shown).toBe(berlin);
    expect(await page.$$("[data-execute]")).toHaveLength(0);
    expect(await page.isVisible("#alerts")).toBe(true);
    expect(errors).toEqual([]);
    await context.close();
  });

  it("support sees no alerts, no exports, no approve button; the API refuses it too", async () => {
    const { context, page, errors } = await signedIn("support-ito");
    expect(await page.isVisible("#alerts")).toBe(false);
    expect(await page.isVisible("#exports")).toBe(false);
    expect(await page.$$("[data-execute]")).toHaveLength(0);
    const status = await page.evaluate(async () => {
      const res = await fetch("api/queue/erasure/er-x/execute", {
        method: "POST",
        headers: { "x-daicho-console": "1", "content-type": "application/json" },
        body: "{}",
      });
      return res.status;
    });
    expect(status).toBe(403);
    await expectNoAxeViolations(page);
    expect(errors.filter((e) => !e.includes("status of 403"))).toEqual([]);
    await context.close();
  });

  it("fits a phone-sized screen with no accessibility violation", async () => {
    const { context, page, errors } = await signedIn("dpo-kato", { width: 390, height: 844 });
    const overflow = await page.evaluate(
      () => document.documentElement.scrollWidth - window.innerWidth,
    );
    expect(overflow).toBeLessThanOrEqual(0);
    await expectNoAxeViolations(page);
    await page.screenshot({ path: artifact("phone.png"), fullPage: true });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("works from the keyboard: skip link, search, open, focus on the subject", async () => {
    const { context, page, errors } = await signedIn("dpo-kato");
    await page.keyboard.press("Tab");
    expect(await page.evaluate(() => document.activeElement?.className)).toBe("skip");
    await page.keyboard.press("Enter");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("main");
    await page.focus("#search-q");
    await page.keyboard.type("contact-0007");
    await page.keyboard.press("Enter");
    await page.waitForSelector("[data-open='contact-0007']");
    await page.focus("[data-open='contact-0007']");
    await page.keyboard.press("Enter");
    await page.waitForSelector("#subject-timeline");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("subject-h");
    expect(await page.textContent("#holds-list")).toContain("hold-dispute-0007");
    expect(errors).toEqual([]);
    await context.close();
  });
});
