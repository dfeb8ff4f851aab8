/**
 * The example CRM host around `@daicho/console`: its own (demo) sign-in, and the console
 * mounted under `/console` with the host's users and roles. A real CRM passes its session
 * lookup as `authenticate`; here a cookie names one of three demo staff members.
 */
import { type ConsoleUser, consoleHandler } from "@daicho/console";
import { Hono } from "hono";
import type { SeededConsole } from "./seed";

/** The CRM's staff who may use the console, with their console roles and preferences. */
export const DEMO_USERS: Readonly<Record<string, ConsoleUser>> = {
  "dpo-kato": { actor: "dpo-kato", roles: ["dpo"], locale: "ja-JP", timeZone: "Asia/Tokyo" },
  "auditor-weber": {
    actor: "auditor-weber",
    roles: ["auditor"],
    locale: "en-GB",
    timeZone: "Europe/Berlin",
  },
  "support-ito": { actor: "support-ito", roles: ["support"], locale: "ja-JP" },
};

const userOf = (request: Request): ConsoleUser | null => {
  const cookie = request.headers.get("cookie") ?? "";
  const id = /(?:^|;\s*)demo-user=([a-z-]+)/.exec(cookie)?.[1];
  return id !== undefined && Object.hasOwn(DEMO_USERS, id) ? (DEMO_USERS[id] as ConsoleUser) : null;
};

/** The host app: `/` (pick a demo user), `/login?as=…`, and the console under `/console`. */
export function hostApp(seeded: SeededConsole, clock?: () => Date): Hono {
  const handler = consoleHandler({
    ledger: seeded.ledger,
    erasureFor: seeded.erasureFor,
    tree: seeded.tree,
    verifierKey: seeded.verifierKey,
    authenticate: userOf,
    basePath: "/console",
    incidentContact: { name: "Data Protection Office", contact: "privacy@crm.example.com" },
    ...(clock ? { clock } : {}),
  });
  const app = new Hono();
  app.get("/", (c) =>
    c.html(
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Example CRM</title></head><body><main><h1>Example CRM: sign in</h1><ul>${Object.keys(
        DEMO_USERS,
      )
        .map((id) => `<li><a href="/login?as=${id}">${id}</a></li>`)
        .join("")}</ul></main></body></html>`,
    ),
  );
  app.get("/login", (c) => {
    const as = c.req.query("as") ?? "";
    if (!Object.hasOwn(DEMO_USERS, as)) return c.text("unknown demo user", 400);
    c.header("set-cookie", `demo-user=${as}; Path=/; HttpOnly; SameSite=Strict`);
    return c.redirect("/console/");
  });
  app.all("/console", (c) => handler(c.req.raw));
  app.all("/console/*", (c) => handler(c.req.raw));
  return app;
}
