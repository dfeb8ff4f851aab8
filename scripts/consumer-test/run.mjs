#!/usr/bin/env node
/**
 * The consumer test: Daichō as a CRM team installs it, outside this repository.
 *
 * 1. `pnpm release:pack` (or, with `--built`, only the packing: `pnpm test` has just
 *    built), then checks each tarball: the root LICENSE byte for byte, a README, no test
 *    files, no `workspace:` specifiers; `publint --strict` and `attw --profile esm-only`.
 * 2. A scratch app in a fresh temporary folder (not under this repository): the
 *    getting-started guide's code blocks, extracted from docs/getting-started.md and run
 *    verbatim (`sh app` blocks in bash, `ts file=NAME` blocks written to NAME), which
 *    install the tarballs with npm (better-sqlite3 built from source), make a key, run
 *    the program and the auditor's commands.
 * 3. `tsc --strict --skipLibCheck false` under node16, nodenext and bundler resolution
 *    over every public entry point (with the optional peers installed, so the entry
 *    points that need them are checked too), the guide's program, the smoke tests and
 *    the type-level tests (packages/core/test/types: calls that must not compile, and an
 *    `…OrThrow` twin for every function that returns an `Either`).
 * 4. The ESM and CommonJS smoke tests (append, verify, open sealed fields on SQLite).
 * 5. The installed `daicho` binary: verify (and fail on a changed byte), help, bad usage.
 *
 * Network: the npm registry only (typescript, @types/node, tsx, the optional peers and the
 * packages' dependencies). Usage: node scripts/consumer-test/run.mjs [--built] [--keep]
 */
import { spawnSync } from "node:child_process";
import {
  copyFileSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { basename, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { releasePack } from "../release-pack.mjs";
import { guideSteps } from "./guide.mjs";

const here = dirname(fileURLToPath(import.meta.url));
const root = resolve(here, "../..");
const args = new Set(process.argv.slice(2));
const rootPkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));

/**
 * The environment of a user's shell: the variables pnpm sets for scripts (npm_*) are
 * dropped so npm reads only its own configuration. `better-sqlite3` is built from source
 * (`build_from_source`), on every core (`JOBS`), never downloaded as a prebuilt binary.
 */
function userEnv(extra = {}) {
  const env = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !/^(npm_|pnpm_|PNPM_)/i.test(k)),
  );
  return { ...env, npm_config_build_from_source: "true", JOBS: "max", ...extra };
}

const results = [];
const timings = [];
/** The scratch app's folder, once made. */
let app;

/** Run `fn` as one named check; a failure is recorded and ends the run. */
function check(name, fn) {
  const started = Date.now();
  try {
    const detail = fn();
    const seconds = (Date.now() - started) / 1000;
    timings.push([name, seconds]);
    results.push({ name, ok: true });
    console.log(`ok    ${name} (${seconds.toFixed(1)} s)${detail ? `: ${detail}` : ""}`);
  } catch (e) {
    results.push({ name, ok: false });
    console.error(`FAIL  ${name}\n${e instanceof Error ? e.message : String(e)}`);
    finish(1);
  }
}

/** Run a command; throws with its output unless it exits with `expect` (default 0). */
function run(cmd, argv, { cwd, env = userEnv(), expect = 0, input } = {}) {
  const r = spawnSync(cmd, argv, { cwd, env, input, encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.error) throw r.error;
  if (r.status !== expect) {
    throw new Error(
      `${cmd} ${argv.join(" ")} (in ${cwd}) exited ${r.status}, expected ${expect}\n${r.stdout}\n${r.stderr}`,
    );
  }
  return r.stdout;
}

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function finish(code) {
  const passed = results.filter((r) => r.ok).length;
  const failed = results.length - passed;
  if (timings.length > 0) {
    console.log("\ntimings (s):");
    for (const [name, s] of timings) console.log(`  ${s.toFixed(1).padStart(6)}  ${name}`);
  }
  if (app !== undefined && !args.has("--keep")) rmSync(app, { recursive: true, force: true });
  else if (app !== undefined) console.log(`scratch app kept in ${app}`);
  console.log(`consumer test: ${passed} passed, ${failed} failed`);
  process.exit(code);
}

const release = join(root, "release");
let tarballs = [];

check(args.has("--built") ? "pack the built packages" : "pnpm release:pack", () => {
  tarballs = releasePack({ build: !args.has("--built"), out: release });
  assert(tarballs.length === 4, `expected 4 tarballs, got ${tarballs.join(", ")}`);
  return tarballs.map((t) => basename(t)).join(", ");
});

const licence = readFileSync(join(root, "LICENSE"));
for (const tarball of tarballs) {
  check(`tarball contents: ${basename(tarball)}`, () => {
    const files = run("tar", ["-tzf", tarball]).split("\n").filter(Boolean);
    const file = (path) => run("tar", ["-xzOf", tarball, `package/${path}`]);
    assert(file("LICENSE") === licence.toString("utf8"), "LICENSE differs from the root LICENSE");
    assert(files.includes("package/README.md"), "no README.md");
    const tests = files.filter((f) => /\.test\.(ts|js)$|\/test\//.test(f));
    assert(tests.length === 0, `test files shipped: ${tests.join(", ")}`);
    const pkg = JSON.parse(file("package.json"));
    const specs = Object.values({ ...pkg.dependencies, ...pkg.peerDependencies });
    assert(
      !specs.some((s) => /^(workspace|file|link):/.test(s)),
      `unpublishable specifier in ${JSON.stringify(pkg.dependencies)}`,
    );
    for (const [k, v] of Object.entries(pkg.exports ?? {})) {
      assert(v.types && v.import && v.default, `exports["${k}"] lacks types, import or default`);
    }
    return `${files.length} files`;
  });
}

const bin = (name) => join(root, "node_modules", ".bin", name);
check("publint --strict on every tarball", () => {
  for (const t of tarballs) {
    const out = run(bin("publint"), ["run", "--strict", t], { cwd: root });
    assert(/All good!/.test(out), `publint on ${basename(t)}:\n${out}`);
  }
});
check("attw --profile esm-only on every tarball", () => {
  for (const t of tarballs)
    run(bin("attw"), ["--profile", "esm-only", "--format", "ascii", t], { cwd: root });
});

app = mkdtempSync(join(tmpdir(), "daicho-consumer-"));
assert(relative(root, app).startsWith(".."), `scratch app ${app} is inside the repository`);
console.log(`scratch app: ${app}`);

const guideEnv = userEnv({ DAICHO_RELEASE: release });
const guide = guideSteps(readFileSync(join(root, "docs/getting-started.md"), "utf8"));
const guideOutput = [];
for (const step of guide) {
  if (step.kind === "file") {
    check(`guide: write ${step.file}`, () => writeFileSync(join(app, step.file), step.text));
  } else {
    check(`guide: ${step.text.trim().split("\n")[0]}${step.lines > 1 ? " …" : ""}`, () => {
      guideOutput.push(
        run("bash", ["-euo", "pipefail", "-c", step.text], { cwd: app, env: guideEnv }),
      );
    });
  }
}
check("guide: the program allowed the access, opened the fields and verified", () => {
  const out = guideOutput.join("\n");
  for (const want of [
    "access allowed: true",
    'sealed name: "Hanako Yamada"',
    'verify: {"ok":true,"count":4,',
    "OK  crm.example.com/ledger: 4 events verified",
    "signed by crm.example.com/ledger",
    "OK  event 2 is leaf 2 of the tree of size 4",
  ]) {
    assert(out.includes(want), `the guide's output lacks ${JSON.stringify(want)}:\n${out}`);
  }
});

check("install @daicho/console and serve its page from the tarball's assets", () => {
  const tarball = tarballs.find((t) => basename(t).startsWith("daicho-console-"));
  run("npm", ["install", tarball], { cwd: app });
  const script = `
    import { consoleHandler } from "@daicho/console";
    import { memoryKeyStore, memoryStore, openLedger } from "@daicho/core";
    import { erasureService, ed25519Signer } from "@daicho/core/erasure";
    const ledger = await openLedger({ store: memoryStore(), ledgerId: "consumer.test/ledger",
      keys: { store: memoryKeyStore(), kek: { id: "kek-1", key: new Uint8Array(32).fill(1) } } });
    const erasure = erasureService({ ledger, actor: { id: "daicho-erasure" }, signer: ed25519Signer("consumer.test/erasure", new Uint8Array(32).fill(2)) });
    const erasureFor = (actor) => erasure.as(actor);
    let refused = false;
    try { consoleHandler({ ledger, erasureFor }); } catch (e) { refused = e.code === "INVALID_ARGUMENT"; }
    if (!refused) throw new Error("consoleHandler built without authenticate");
    const handler = consoleHandler({ ledger, erasureFor, authenticate: () => ({ actor: "dpo-1", roles: ["dpo"] }) });
    for (const path of ["/", "/assets/app.js", "/assets/app.css"]) {
      const res = await handler(new Request("http://localhost" + path));
      if (res.status !== 200) throw new Error(path + ": " + res.status);
    }
    const me = await handler(new Request("http://localhost/api/me", { headers: { "x-daicho-console": "1" } }));
    console.log("console ok", (await me.json()).roles.join(","));
  `;
  writeFileSync(join(app, "console-smoke.mjs"), script);
  const out = run("node", ["console-smoke.mjs"], { cwd: app }).trim();
  assert(out === "console ok dpo", out);
  return out;
});

/** The installed Daichō packages' package.json files. */
const installed = () =>
  ["core", "adapters", "cli", "console"].map((name) =>
    JSON.parse(readFileSync(join(app, "node_modules/@daicho", name, "package.json"), "utf8")),
  );

check("install typescript, @types/node and the packages' optional peers", () => {
  const dev = rootPkg.devDependencies;
  // The optional peers (vitest and fast-check for @daicho/core/testing, the KurrentDB
  // client for @daicho/adapters/kurrentdb), so those entry points' types are checked too.
  const peers = installed().flatMap((pkg) =>
    Object.entries(pkg.peerDependencies ?? {}).map(([name, range]) => `${name}@${range}`),
  );
  const specs = [`typescript@${dev.typescript}`, `@types/node@${dev["@types/node"]}`, ...peers];
  run("npm", ["install", "--save-dev", ...specs], { cwd: app });
  return specs.join(" ");
});

check("copy the smoke tests and list every public entry point", () => {
  for (const f of readdirSync(join(here, "app"))) copyFileSync(join(here, "app", f), join(app, f));
  // The type-level tests (calls that must not compile), against the emitted declarations.
  for (const f of ["public-api.ts", "plain-forms.ts"])
    copyFileSync(join(root, "packages/core/test/types", f), join(app, f));
  const entries = installed().flatMap((pkg) =>
    Object.keys(pkg.exports).map((key) => (key === "." ? pkg.name : `${pkg.name}/${key.slice(2)}`)),
  );
  const lines = entries.map((e, i) => `import * as entry${i} from "${e}";`);
  lines.push(`export const entries = [${entries.map((_, i) => `entry${i}`).join(", ")}];`);
  writeFileSync(join(app, "entries.ts"), `${lines.join("\n")}\n`);
  return `${entries.length} entry points`;
});

const common = {
  strict: true,
  skipLibCheck: false,
  target: "ES2022",
  lib: ["ES2023"],
  types: ["node"],
  noEmit: true,
};
const esmFiles = [
  "entries.ts",
  "getting-started.ts",
  "plain-forms.ts",
  "public-api.ts",
  "scenario.mts",
  "smoke.mts",
];
const configs = {
  node16: {
    compilerOptions: { ...common, module: "node16", moduleResolution: "node16" },
    files: esmFiles,
  },
  bundler: {
    compilerOptions: { ...common, module: "preserve", moduleResolution: "bundler" },
    files: esmFiles,
  },
  nodenext: {
    compilerOptions: {
      ...common,
      module: "nodenext",
      moduleResolution: "nodenext",
      noEmit: false,
      outDir: "out",
    },
    files: [...esmFiles, "smoke.cts"],
  },
};
for (const [name, config] of Object.entries(configs)) {
  check(`tsc --strict --skipLibCheck false, ${name} resolution`, () => {
    writeFileSync(join(app, `tsconfig.${name}.json`), JSON.stringify(config, null, 2));
    run(join(app, "node_modules/.bin/tsc"), ["-p", `tsconfig.${name}.json`], { cwd: app });
  });
}

check("ESM smoke test: import, append, verify, open sealed fields", () =>
  run("node", ["out/smoke.mjs", app], { cwd: app }).trim(),
);
check("CommonJS smoke test: require, append, verify, open sealed fields", () =>
  run("node", ["out/smoke.cjs", app], { cwd: app }).trim(),
);

const daicho = join(app, "node_modules/.bin/daicho");
check("daicho verify --json on the smoke test's ledger", () => {
  const report = JSON.parse(run(daicho, ["verify", "esm-ledger.db", "--json"], { cwd: app }));
  assert(report.ok === true && report.count === 1, JSON.stringify(report));
});
check("daicho verify exits 1 when one stored byte is changed", () => {
  copyFileSync(join(app, "esm-ledger.db"), join(app, "tampered.db"));
  const edit = `
    const db = require("better-sqlite3")("tampered.db");
    const { body } = db.prepare("SELECT body FROM daicho_events WHERE seq = 0").get();
    const at = body.indexOf("contact-0001");
    const changed = body.slice(0, at) + "contact-0002" + body.slice(at + 12);
    db.prepare("UPDATE daicho_events SET body = ? WHERE seq = 0").run(changed);
    db.close();`;
  run("node", ["-e", edit], { cwd: app });
  const report = JSON.parse(
    run(daicho, ["verify", "tampered.db", "--json"], { cwd: app, expect: 1 }),
  );
  assert(report.ok === false && report.failure?.seq === 0, JSON.stringify(report));
  return report.failure.kind;
});
check("daicho help exits 0 and an unknown command exits 2", () => {
  assert(run(daicho, ["help"], { cwd: app }).includes("verify"), "help does not list verify");
  run(daicho, ["no-such-command"], { cwd: app, expect: 2 });
});

finish(0);
