import { existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium } from "playwright-core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { listen } from "../crm-service/server";
import { type SeededConsole, seedConsole } from "./seed";
import { consoleApp } from "./server";

/** Debian's `chromium` package (CI installs it in .ci/run). */
const CHROMIUM = process.env.DAICHO_CHROMIUM ?? "/usr/bin/chromium";
const ARTIFACTS = fileURLToPath(new URL("../../../../test-artifacts/", import.meta.url));

let dir: string;
let seeded: SeededConsole;
let server: { url: string; close(): Promise<void> };
let browser: Browser | undefined;

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set DAICHO_CHROMIUM`,
    );
  }
  dir = mkdtempSync(join(tmpdir(), "daicho-console-test-"));
  seeded = await seedConsole(dir, new Date("2026-11-25T03:00:00Z"));
  const app = await consoleApp({
    ledger: seeded.ledger,
    views: seeded.projector.views,
    tree: seeded.tree,
    erasure: seeded.erasure,
    verifierKey: seeded.verifierKey,
    clock: () => seeded.now,
  });
  server = await listen(app);
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
});

afterAll(async () => {
  await browser?.close();
  await server?.close();
  await seeded?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

it("shows the verified ledger, the checkpoint, deadlines and alerts, and filters the timeline", async () => {
  const page = await (browser as Browser).newPage({ viewport: { width: 1360, height: 1800 } });
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  await page.goto(`${server.url}/`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 10_000 });

  expect(await page.textContent("#verify-status")).toBe("✓ Verified");
  expect(await page.textContent("#checkpoint-card")).toMatch(
    /signature valid \(crm\.example\.com\/ledger\)/,
  );
  const erasureRows = await page.$$eval("#erasure-table tr", (rows) =>
    rows.map((r) => r.textContent ?? ""),
  );
  expect(erasureRows).toHaveLength(4);
  expect(erasureRows[0]).toMatch(/contact-0007.*days overdue.*refused: legal-hold/);
  const alerts = await page.textContent("#alerts-list");
  for (const rule of [
    "mass-export",
    "repeated-denials",
    "offboarded-actor",
    "unapproved-destination",
  ])
    expect(alerts).toContain(rule);
  expect(await page.$$("#chart svg rect")).not.toHaveLength(0);
  expect(await page.textContent("#consent-summary")).toMatch(
    /newsletter: \d+ granted · \d+ withdrawn/,
  );

  const before = await page.textContent("#timeline-count");
  await page.selectOption("#filter-actor", "sales-yamada");
  await page.selectOption("#filter-type", "data.exported");
  await page.click("#apply-filters");
  await page.waitForFunction(() => document.querySelectorAll("#timeline-rows tr").length === 1);
  const row = await page.$eval("#timeline-rows tr", (r) => ({
    actor: r.getAttribute("data-actor"),
    text: r.textContent,
  }));
  expect(row.actor).toBe("sales-yamada");
  expect(row.text).toContain("usb:usb-unregistered");
  expect(await page.textContent("#timeline-count")).not.toBe(before);

  await page.selectOption("#filter-type", "");
  await page.fill("#filter-from", "2026-11-18");
  await page.click("#apply-filters");
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll("#timeline-rows tr")).some((r) =>
      r.classList.contains("denied"),
    ),
  );
  const actors = await page.$$eval("#timeline-rows tr", (rows) =>
    rows.map((r) => r.getAttribute("data-actor")),
  );
  expect(new Set(actors)).toEqual(new Set(["sales-yamada"]));
  mkdirSync(ARTIFACTS, { recursive: true });
  await (await page.$("#timeline"))?.scrollIntoViewIfNeeded();
  await page.screenshot({ path: join(ARTIFACTS, "console-filtered.png") });

  await page.click("#reset-filters");
  await page.waitForFunction(
    () =>
      new Set(
        Array.from(document.querySelectorAll("#timeline-rows tr")).map((r) =>
          r.getAttribute("data-actor"),
        ),
      ).size > 1,
  );
  await page.evaluate(() => window.scrollTo(0, 0));
  await page.screenshot({ path: join(ARTIFACTS, "console.png") });
  expect(errors).toEqual([]);
});

it("serves only identifiers and labels: no personal value reaches the API", async () => {
  const bodies = await Promise.all(
    ["status", "filters", "timeline?limit=1000", "series", "consent", "erasure", "alerts"].map(
      (p) => fetch(`${server.url}/api/${p}`).then((r) => r.text()),
    ),
  );
  const all = bodies.join("\n");
  expect(all).not.toMatch(/@[a-z-]+\.example\.jp/); // no e-mail address
  expect(all).not.toMatch(/Hanako|Taro|Yamamoto Ren/);
});
