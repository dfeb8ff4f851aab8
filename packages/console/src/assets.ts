/**
 * The page's static files, served by the handler itself: no CDN, no build step for the
 * host. Plain ES modules the browser loads as they are, read once from `./assets/` next to
 * this module (the package build copies `src/assets` to `dist/assets`). Only the names
 * listed here are served; a path that names anything else is a 404.
 */
import { readFileSync } from "node:fs";

const TYPES: Readonly<Record<string, string>> = {
  "index.html": "text/html; charset=utf-8",
  "app.css": "text/css; charset=utf-8",
  "app.js": "text/javascript; charset=utf-8",
  "dom.js": "text/javascript; charset=utf-8",
  "i18n.js": "text/javascript; charset=utf-8",
  "views.js": "text/javascript; charset=utf-8",
  "work.js": "text/javascript; charset=utf-8",
};

/** What the page may load: its own origin only, no inline script, no framing. */
export const PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-security-policy":
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  "x-frame-options": "DENY",
};

let cache: Map<string, string> | undefined;

/** The asset called `name` with its content type, or undefined when there is none. */
export function asset(name: string): { body: string; type: string } | undefined {
  if (!Object.hasOwn(TYPES, name)) return undefined;
  cache ??= new Map(
    Object.keys(TYPES).map((n) => [
      n,
      readFileSync(new URL(`./assets/${n}`, import.meta.url), "utf8"),
    ]),
  );
  return { body: cache.get(name) as string, type: TYPES[name] as string };
}
