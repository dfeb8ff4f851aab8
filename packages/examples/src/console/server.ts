/**
 * The console server: the JSON API plus the page, whose script is plain TypeScript
 * bundled by esbuild (the bundler tsup uses) into one file when the server starts.
 */
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { Hono } from "hono";
import { type ConsoleSources, consoleApi } from "./api";

const page = (name: string) => fileURLToPath(new URL(`./page/${name}`, import.meta.url));

/** Bundle the page script into one ES module, in memory. */
export async function bundlePage(): Promise<string> {
  const result = await build({
    entryPoints: [page("main.ts")],
    bundle: true,
    format: "esm",
    target: "es2022",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]?.text ?? "";
}

/** The whole console: `/` (page), `/app.js` (bundled script), `/api/*`. */
export async function consoleApp(sources: ConsoleSources): Promise<Hono> {
  const [html, script] = [readFileSync(page("index.html"), "utf8"), await bundlePage()];
  const app = new Hono();
  app.get("/", (c) => c.html(html));
  app.get("/app.js", (c) =>
    c.body(script, 200, { "content-type": "text/javascript; charset=utf-8" }),
  );
  app.route("/", consoleApi(sources));
  return app;
}
