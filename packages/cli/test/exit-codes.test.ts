import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  rmSync,
  truncateSync,
  writeSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { daicho } from "./bin";
import { appendSamples } from "./fixture";

// Each class of outcome through the built binary (`pnpm run build` first).
let dir: string;
let path: string;

const makeLedger = (count: number) => appendSamples(path, "cli.test/exit", 0, count);

const json = async (argv: string[]) => {
  const r = await daicho([...argv, "--json"]);
  return { code: r.code, doc: JSON.parse(r.out) as { format: string; error?: { code: string } } };
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-exit-"));
  path = join(dir, "ledger.db");
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe("exit codes of the built binary", () => {
  it("0 for a ledger that verifies, 1 for one whose event bytes were edited", async () => {
    await makeLedger(20);
    expect((await daicho(["verify", path])).code).toBe(0);
    const db = new Database(path);
    db.prepare(
      "UPDATE daicho_events SET body = replace(body, '\"v\":1', '\"v\":1 ') WHERE seq = 4",
    ).run();
    db.close();
    expect((await daicho(["verify", path])).code).toBe(1);
  });

  it("1 for a truncated ledger file (the evidence fails), not a usage error", async () => {
    await makeLedger(2000);
    truncateSync(path, Math.floor(readFileSync(path).length / 2));
    const r = await json(["verify", path]);
    expect(r.code).toBe(1);
    expect(r.doc).toMatchObject({ format: "daicho-error/v1", error: { code: "STORE_CORRUPT" } });
  });

  it("1 for flipped bytes in the SQLite header ('file is not a database')", async () => {
    await makeLedger(20);
    const fd = openSync(path, "r+");
    writeSync(fd, Buffer.from("NotSQLite format"), 0, 16, 0);
    closeSync(fd);
    const r = await json(["verify", path]);
    expect(r.code).toBe(1);
    expect(r.doc.error?.code).toBe("STORE_CORRUPT");
  });

  it("1 for a ledger file whose event table is gone", async () => {
    await makeLedger(20);
    const db = new Database(path);
    db.exec("DROP TABLE daicho_event_subjects");
    db.close();
    const r = await json(["verify", path]);
    expect(r.code).toBe(1);
    expect(r.doc.error?.code).toBe("STORE_CORRUPT");
  });

  it("2 for a directory, a missing file, an unknown option, a missing value, a malformed key", async () => {
    await makeLedger(3);
    mkdirSync(join(dir, "folder"));
    const cases: [string[], string][] = [
      [["verify", join(dir, "folder")], "INVALID_ARGUMENT"],
      [["verify", join(dir, "missing.db")], "NOT_FOUND"],
      [["verify", path, "--jsno"], "INVALID_ARGUMENT"],
      [["verify", path, "--expect-seq"], "INVALID_ARGUMENT"],
      [["checkpoint", "--verify", path, "--vkey", "not+a+key"], "INVALID_ARGUMENT"],
    ];
    for (const [argv, code] of cases) {
      const r = await json(argv);
      expect(r.code, argv.join(" ")).toBe(2);
      expect(r.doc.error?.code, argv.join(" ")).toBe(code);
    }
    const unknown = await daicho(["verfy", path]);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("did you mean 'verify'?");
  });

  it("documents the exit codes in --help", async () => {
    for (const argv of [["--help"], ["verify", "--help"]]) {
      const r = await daicho(argv);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(
        /Exit codes:\n {2}0 {2}verified[\s\S]*\n {2}1 {2}the evidence fails verification[\s\S]*\n {2}2 {2}usage or input error/,
      );
    }
  });
});
