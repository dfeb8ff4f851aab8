import { execFile } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { eventHash } from "@daicho/core";
import { afterAll, beforeAll, expect, it } from "vitest";
import { audit, inProcess, operate, type Step, tamper } from "./walkthrough";

let dir: string;
let files: Awaited<ReturnType<typeof operate>>;
let steps: Step[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-audit-test-"));
  files = await operate(dir);
  steps = await audit(files, dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("verifies the checkpoint and the bundle against last month's checkpoint", () => {
  expect(steps.map((s) => [s.command.split(" ")[1], s.code])).toEqual([
    ["checkpoint", 0],
    ["verify-bundle", 0],
    ["verify-bundle", 1],
    ["consistency", 0],
  ]);
  expect(steps[1]?.out).toMatch(/extends the checkpoint you hold \(size 30\)/);
  expect(steps[3]?.out).toMatch(/extends your checkpoint of size 30/);
});

it("names the tampered event", () => {
  expect(steps[2]?.out).toMatch(/BUNDLE_INVALID .*event \d+: its bytes do not hash to its hash/);
});

it("also catches an editor who recomputes the edited event's hash", async () => {
  const forged = join(dir, "forged.json");
  tamper(files.bundle, forged);
  const bundle = JSON.parse(readFileSync(forged, "utf8"));
  for (const e of bundle.events) e.hash = eventHash(e.body);
  writeFileSync(forged, JSON.stringify(bundle));
  const r = await inProcess(["verify-bundle", forged, "--vkey", files.vkey, "--json"]);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.out).ok).toBe(false);
});

it("refuses a rewritten history signed with the same key, given the checkpoint held", async () => {
  // The operator rewrites October and re-signs everything with the log key it controls.
  const seed = new Uint8Array(32).fill(7);
  const honest = await operate(join(dir, "honest"), { signingSeed: seed });
  const forged = await operate(join(dir, "forged"), { signingSeed: seed, idPrefix: "rewritten" });
  const ok = await inProcess(["verify-bundle", forged.bundle, "--vkey", honest.vkey]);
  expect(ok.code).toBe(0); // on its own, the forged bundle is well signed and self-consistent
  const held = ["verify-bundle", forged.bundle, "--vkey", honest.vkey, "--held", honest.october];
  const r = await inProcess([...held, "--json"]);
  expect(r.code).toBe(1);
  expect(JSON.parse(r.out).error.code).toMatch(/PROOF_INVALID|BUNDLE_INVALID/);
});

it("gives the same verdicts with the built `daicho` binary (run `pnpm run build` first)", async () => {
  const bin = new URL("../../../cli/bin/daicho.js", import.meta.url).pathname;
  expect(existsSync(new URL("../../../cli/dist/main.js", import.meta.url)), "CLI not built").toBe(
    true,
  );
  const run = (args: string[]) =>
    promisify(execFile)(process.execPath, [bin, ...args]).then(
      (r) => ({ code: 0, out: r.stdout }),
      (e: { code?: number; stdout?: string; stderr?: string }) => ({
        code: e.code ?? -1,
        out: `${e.stdout ?? ""}${e.stderr ?? ""}`,
      }),
    );
  const again = await audit(files, dir, run);
  expect(
    again.map((s) => s.code),
    again.map((s) => s.out).join("\n"),
  ).toEqual([0, 0, 1, 0]);
});
