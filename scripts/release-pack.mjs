#!/usr/bin/env node
/**
 * `pnpm release:pack [--no-build] [--out DIR]`: builds the packages, then writes one
 * tarball per published package (every `packages/*` not marked private) to `release/`
 * (or DIR), removing older tarballs there first. `pnpm pack` rewrites `workspace:*`
 * specifiers to the packed versions, so the tarballs install with plain npm outside this
 * repository (docs/getting-started.md). Prints the tarballs' paths, one a line.
 */
import { execFileSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..");

/** The packages that are published: `packages/*` whose package.json is not private. */
export function publishedPackages() {
  const dir = join(root, "packages");
  return readdirSync(dir)
    .map((name) => join(dir, name))
    .filter((path) => {
      try {
        return !JSON.parse(readFileSync(join(path, "package.json"), "utf8")).private;
      } catch {
        return false;
      }
    });
}

/** Build (unless `build` is false) and pack every published package into `out`. */
export function releasePack({ build = true, out = join(root, "release") } = {}) {
  if (build) execFileSync("pnpm", ["run", "build"], { cwd: root, stdio: "inherit" });
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(out)) {
    if (name.endsWith(".tgz")) rmSync(join(out, name));
  }
  for (const pkg of publishedPackages()) {
    execFileSync("pnpm", ["pack", "--pack-destination", out], { cwd: pkg, stdio: "ignore" });
  }
  return readdirSync(out)
    .filter((name) => name.endsWith(".tgz"))
    .map((name) => join(out, name));
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  const unknown = args.filter(
    (a, i) => a !== "--no-build" && a !== "--out" && args[i - 1] !== "--out",
  );
  const at = args.indexOf("--out");
  if (unknown.length > 0 || (at >= 0 && args[at + 1] === undefined)) {
    console.error("usage: pnpm release:pack [--no-build] [--out DIR]");
    process.exit(2);
  }
  const out = at >= 0 ? resolve(args[at + 1]) : undefined;
  const tarballs = releasePack({ build: !args.includes("--no-build"), ...(out ? { out } : {}) });
  for (const t of tarballs) console.log(t);
}
