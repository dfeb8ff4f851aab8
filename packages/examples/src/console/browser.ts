/**
 * What the console's browser tests share: Chromium (Debian's package, as CI installs it),
 * axe-core injected into the page, and the artifacts folder screenshots go to.
 */
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type Browser, chromium, type Page } from "playwright-core";

export const CHROMIUM = process.env.DAICHO_CHROMIUM ?? "/usr/bin/chromium";
/** Screenshots and downloads, git-ignored (`test-artifacts/` at the repository root). */
export const ARTIFACTS = fileURLToPath(
  new URL("../../../../test-artifacts/console/", import.meta.url),
);

export async function launch(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium not found at ${CHROMIUM}: install Debian's package (apt-get install -y chromium) or set DAICHO_CHROMIUM`,
    );
  }
  mkdirSync(ARTIFACTS, { recursive: true });
  return chromium.launch({
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
}

export const artifact = (name: string) => join(ARTIFACTS, name);

const AXE = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

/** One axe-core violation, as the test reports it. */
export interface AxeViolation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Run axe-core (WCAG 2.x A and AA rules, and best practices) on the page as it is now.
 * The script is evaluated through the DevTools protocol, so the page's CSP (no inline
 * script) stays on.
 */
export async function axeViolations(page: Page): Promise<AxeViolation[]> {
  await page.evaluate(AXE);
  return page.evaluate(async () => {
    const axe = (
      window as unknown as {
        axe: {
          run(o: unknown): Promise<{
            violations: {
              id: string;
              impact: string | null;
              help: string;
              nodes: { target: string[] }[];
            }[];
          }>;
        };
      }
    ).axe;
    const result = await axe.run({
      runOnly: {
        type: "tag",
        values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"],
      },
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.map((n) => n.target.join(" ")),
    }));
  });
}

/**
 * A browser context signed in to the example CRM at `url` as `user`, on the console page
 * once it is ready; `errors` collects the page's script errors and console errors.
 */
export async function signInAs(
  browser: Browser,
  url: string,
  user: string,
  viewport = { width: 1280, height: 900 },
) {
  const context = await browser.newContext({ viewport, acceptDownloads: true });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push(e.message));
  page.on("console", (m) => {
    if (m.type() === "error") errors.push(m.text());
  });
  await page.goto(`${url}/login?as=${user}`);
  await page.waitForSelector("body[data-ready=true]", { timeout: 15_000 });
  return { context, page, errors };
}
