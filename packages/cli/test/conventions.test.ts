import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { COMMANDS } from "../src/commands/index";
import { formatProgress } from "../src/output";
import { daicho } from "./bin";
import { appendSamples, signedCheckpoint } from "./fixture";
import { run } from "./run";

const LEDGER_ID = "cli.test/conventions";
let dir: string;
const file = (name: string) => join(dir, name);

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "daicho-conv-"));
  await appendSamples(file("ledger.db"), LEDGER_ID, 0, 12);
  await signedCheckpoint(file("ledger.db"), LEDGER_ID, file("log.key"), file("cp.txt"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("strict argument parsing", () => {
  it("refuses a misspelt option with a did-you-mean, exit 2 (the built binary)", async () => {
    const r = await daicho(["verify", file("ledger.db"), "--jsno"]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/unknown option --jsno \(did you mean --json\?\)/);
    expect(r.out).toBe("");
  });

  it("refuses a missing value, a value for a flag and a single option given twice", async () => {
    const missing = await run("prove", file("ledger.db"), "3", "--checkpoint");
    expect(missing.code).toBe(2);
    expect(missing.err).toMatch(/--checkpoint needs a value: --checkpoint FILE/);
    const eaten = await run("verify", file("ledger.db"), "--expect-hash", "--json");
    expect(eaten.code, "a following option is not taken as the value").toBe(2);
    expect(JSON.parse(eaten.out).error.reason).toMatch(/--expect-hash needs a value/);
    const flag = await run("verify", file("ledger.db"), "--json=yes");
    expect(flag.code).toBe(2);
    expect(flag.err).toMatch(/--json takes no value/);
    const twice = await run("checkpoint", "--verify", file("cp.txt"), "--vkey", "a", "--vkey", "b");
    expect(twice.code).toBe(2);
    expect(twice.err).toMatch(/--vkey is given twice/);
  });

  it("suggests the command meant", async () => {
    const r = await run("verify-bundel", "x.json");
    expect(r.code).toBe(2);
    expect(r.err).toContain("did you mean 'verify-bundle'?");
    const far = await run("frobnicate");
    expect(far.err).not.toContain("did you mean");
  });

  it("prints --version and per-command --help / -h with a usage line", async () => {
    const v = await daicho(["--version"]);
    expect(v.code).toBe(0);
    expect(v.out).toMatch(/^daicho \d+\.\d+\.\d+\n$/);
    for (const c of COMMANDS) {
      for (const h of ["--help", "-h"]) {
        const r = await run(c.name, h);
        expect(r.code, `${c.name} ${h}`).toBe(0);
        expect(r.out.split("\n")[0]).toBe(`Usage: daicho ${c.usage}`);
        expect(r.out).toContain("--json");
      }
    }
    const overview = await run("--help");
    for (const c of COMMANDS) expect(overview.out).toContain(`  ${c.name} `);
  });
});

describe("every --json output carries a versioned format", () => {
  it("names its format in each command's JSON, errors included", async () => {
    const vkey = file("log.key.vkey");
    const argvs: string[][] = [
      ["verify", file("ledger.db"), "--json"],
      ["keygen", "someone.example/k", "--out", file("k2.key"), "--json"],
      ["checkpoint", file("ledger.db"), "--latest", "--json"],
      ["checkpoint", "--verify", file("cp.txt"), "--vkey", vkey, "--json"],
      ["prove", file("ledger.db"), "2", "--checkpoint", file("cp.txt"), "--vkey", vkey, "--json"],
      ["consistency", file("cp.txt"), "--ledger", file("ledger.db"), "--vkey", vkey, "--json"],
      [
        "export-bundle",
        file("ledger.db"),
        "--from",
        "0",
        "--vkey",
        vkey,
        "--out",
        file("b.json"),
        "--json",
      ],
      ["verify-bundle", file("b.json"), "--vkey", vkey, "--json"],
      ["verify", file("missing.db"), "--json"],
    ];
    const outputs: { out: string }[] = [];
    for (const argv of argvs) outputs.push(await run(...argv));
    const formats = outputs.map((o) => (JSON.parse(o.out) as { format?: unknown }).format);
    expect(formats).toEqual([
      "daicho-verify-report/v1",
      "daicho-keygen/v1",
      "daicho-checkpoint/v1",
      "daicho-checkpoint-report/v1",
      "daicho-inclusion-proof/v1",
      "daicho-consistency-proof/v1",
      "daicho-export-bundle/v1",
      "daicho-bundle-report/v1",
      "daicho-error/v1",
    ]);
  });
});

describe("progress on a terminal", () => {
  it("shows rate and ETA", () => {
    expect(formatProgress("verifying", 250_000, 1_000_000, 10_000)).toBe(
      "verifying [########----------------------] 25.0% 250000/1000000 25000/s ETA 0:30",
    );
    expect(formatProgress("verifying", 0, 10, 0)).toMatch(/ETA --:--$/);
  });

  it("draws on an interactive stderr only, never with --json", async () => {
    let t = 0;
    const capture = (json: boolean) => {
      let err = "";
      let out = "";
      const io = {
        out: (s: string) => {
          out += s;
        },
        err: (s: string) => {
          err += s;
        },
        interactive: true,
        now: () => (t += 50),
      };
      return { io, get: () => ({ out, err }), json };
    };
    const { main } = await import("../src/main");
    const text = capture(false);
    expect(await main(["verify", file("ledger.db")], text.io)).toBe(0);
    expect(text.get().err).toMatch(/\rverifying \[#+\] 100\.0% 12\/12 \d+\/s ETA 0:00\n$/);
    const json = capture(true);
    expect(await main(["verify", file("ledger.db"), "--json"], json.io)).toBe(0);
    expect(json.get().err).toBe("");
  });
});
