import { createHash } from "node:crypto";
import {
  chmodSync,
  chownSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import Database from "better-sqlite3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daicho } from "./bin";
import { appendSamples } from "./fixture";
import { run } from "./run";

/**
 * Auditor commands never touch the evidence. Evidence directories get mode 0555 and their
 * files 0444. Tests run as root in CI, and root ignores permission bits, so the built
 * binary then runs as the unprivileged `postgres` OS user (`runuser -u postgres`), for
 * whom the bits hold: the directory really is read-only for the process. Run as another
 * user, the bits hold for that user and the binary runs as it is. Before and after each
 * command, every file in the directory is compared by name, sha256, size and mtime.
 */
const AUDITOR = process.getuid?.() === 0 ? "postgres" : undefined;
const as = (cwd: string) => ({ ...(AUDITOR === undefined ? {} : { asUser: AUDITOR }), cwd });
const LEDGER_ID = "cli.test/read-only";
let root: string;
let evidence: string;
let out: string;
const ev = (name: string) => join(evidence, name);
const o = (name: string) => join(out, name);

const append = (path: string, from: number, count: number) =>
  appendSamples(path, LEDGER_ID, from, count);

type Snapshot = Record<string, { sha256: string; size: number; mtimeMs: number }>;
function snapshot(dir: string): Snapshot {
  const s: Snapshot = {};
  for (const name of readdirSync(dir).sort()) {
    const path = join(dir, name);
    const st = statSync(path);
    s[name] = {
      sha256: createHash("sha256").update(readFileSync(path)).digest("hex"),
      size: st.size,
      mtimeMs: st.mtimeMs,
    };
  }
  return s;
}

/** Lock `dir` against the auditor: mode 0555, its files 0444. */
function readOnlyFor(dir: string): void {
  for (const name of readdirSync(dir)) chmodSync(join(dir, name), 0o444);
  chmodSync(dir, 0o555);
}

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "daicho-ro-"));
  chmodSync(root, 0o755);
  evidence = join(root, "evidence");
  out = join(root, "out");
  mkdirSync(evidence);
  mkdirSync(out);
  if (AUDITOR !== undefined) {
    const { uid, gid } = statSync("/var/lib/postgresql");
    chownSync(out, uid, gid);
  }
  // 30 events and a checkpoint (the stored tree covers 30), then 10 more events that the
  // stored tree does not cover: commands must build that part without writing it.
  await append(ev("ledger.db"), 0, 30);
  expect((await run("keygen", LEDGER_ID, "--out", join(root, "log.key"))).code).toBe(0);
  copyFileSync(join(root, "log.key.vkey"), ev("log.vkey"));
  const cp30 = await run(
    "checkpoint",
    ev("ledger.db"),
    "--key",
    join(root, "log.key"),
    "--out",
    ev("cp30.txt"),
  );
  expect(cp30.code, cp30.err).toBe(0);
  await append(ev("ledger.db"), 30, 10);
  // The checkpoint of size 40 is signed on a copy, so the evidence's stored tree stays at 30.
  copyFileSync(ev("ledger.db"), join(root, "copy.db"));
  const cp40 = await run(
    "checkpoint",
    join(root, "copy.db"),
    "--key",
    join(root, "log.key"),
    "--out",
    ev("cp40.txt"),
  );
  expect(cp40.code, cp40.err).toBe(0);
  expect(readdirSync(evidence).sort()).toEqual(["cp30.txt", "cp40.txt", "ledger.db", "log.vkey"]);
  readOnlyFor(evidence);
});
afterAll(() => {
  for (const d of ["evidence", "live", "wal-only"])
    if (existsSync(join(root, d))) chmodSync(join(root, d), 0o755);
  rmSync(root, { recursive: true, force: true });
});

const VKEY = () => ["--vkey", ev("log.vkey")];

describe("auditor commands in a directory the process cannot write", () => {
  it("cannot write there: the check itself holds for that user", async () => {
    const r = await daicho(["keygen", "x.example/k", "--out", ev("probe.key")], as(out));
    expect(r.code).not.toBe(0);
    expect(existsSync(ev("probe.key"))).toBe(false);
  });

  const commands: [string, () => string[]][] = [
    ["verify", () => ["verify", ev("ledger.db"), "--json"]],
    ["prove (tree built in memory)", () => ["prove", ev("ledger.db"), "35", "--json"]],
    [
      "prove --checkpoint",
      () => ["prove", ev("ledger.db"), "5", "--checkpoint", ev("cp40.txt"), ...VKEY(), "--json"],
    ],
    ["checkpoint --verify", () => ["checkpoint", "--verify", ev("cp40.txt"), ...VKEY(), "--json"]],
    ["checkpoint --latest", () => ["checkpoint", ev("ledger.db"), "--latest", "--json"]],
    [
      "consistency --ledger",
      () => [
        "consistency",
        ev("cp30.txt"),
        ev("cp40.txt"),
        "--ledger",
        ev("ledger.db"),
        ...VKEY(),
        "--json",
      ],
    ],
    [
      "export-bundle",
      () => [
        "export-bundle",
        ev("ledger.db"),
        "--from",
        "3",
        "--checkpoint",
        ev("cp40.txt"),
        "--since",
        ev("cp30.txt"),
        ...VKEY(),
        "--out",
        o("b.json"),
        "--json",
      ],
    ],
    [
      "verify-bundle",
      () => ["verify-bundle", o("b.json"), ...VKEY(), "--held", ev("cp30.txt"), "--json"],
    ],
    [
      "verify-proof (inclusion)",
      () => [
        "verify-proof",
        o("inclusion.json"),
        "--checkpoint",
        ev("cp40.txt"),
        ...VKEY(),
        "--json",
      ],
    ],
    [
      "consistency offline",
      () => [
        "consistency",
        ev("cp30.txt"),
        ev("cp40.txt"),
        "--proof",
        o("consistency.json"),
        ...VKEY(),
        "--json",
      ],
    ],
    [
      "verify-proof (consistency)",
      () => [
        "verify-proof",
        o("consistency.json"),
        "--checkpoint",
        ev("cp30.txt"),
        "--checkpoint",
        ev("cp40.txt"),
        ...VKEY(),
        "--json",
      ],
    ],
  ];

  for (const [name, argv] of commands) {
    it(`${name}: succeeds, and the evidence's bytes, sizes, mtimes and file list are unchanged`, async () => {
      const before = snapshot(evidence);
      const r = await daicho(argv(), as(out));
      expect(r.code, r.out + r.err).toBe(0);
      expect(JSON.parse(r.out).ok).toBe(true);
      expect(snapshot(evidence)).toEqual(before);
      // Keep the proof files for the offline commands that follow.
      if (name === "prove --checkpoint") writeFileSync(o("inclusion.json"), r.out);
      if (name === "consistency --ledger") writeFileSync(o("consistency.json"), r.out);
    });
  }

  it("a ledger too large for memory is read through a private temporary copy, removed afterwards", async () => {
    const scratch = join(out, "tmp");
    mkdirSync(scratch);
    if (AUDITOR !== undefined) {
      const { uid, gid } = statSync("/var/lib/postgresql");
      chownSync(scratch, uid, gid);
    }
    const env = { DAICHO_EVIDENCE_IN_MEMORY_BYTES: "0", DAICHO_EVIDENCE_TMPDIR: scratch };
    const before = snapshot(evidence);
    for (const argv of [
      ["verify", ev("ledger.db"), "--json"],
      ["prove", ev("ledger.db"), "35", "--json"],
    ]) {
      const r = await daicho(argv, { ...as(out), env });
      expect(r.code, r.out + r.err).toBe(0);
      expect(JSON.parse(r.out).ok).toBe(true);
    }
    expect(snapshot(evidence)).toEqual(before);
    expect(readdirSync(scratch)).toEqual([]);
  });

  it("prove built the missing tree in memory: the file still holds a tree of 30 leaves", () => {
    const db = new Database(ev("ledger.db"), { readonly: true, fileMustExist: true });
    // (This root-side read is itself allowed to leave -wal/-shm; it runs after the checks.)
    const size = db.prepare("SELECT size FROM daicho_tree_state").get() as { size: number };
    db.close();
    expect(size.size).toBe(30);
  });
});

describe("reading a ledger while its application writes it", () => {
  let dir: string;
  let writer: Awaited<ReturnType<typeof openLedger>>;
  beforeAll(async () => {
    dir = join(root, "live");
    mkdirSync(dir);
    await append(join(dir, "ledger.db"), 0, 20);
    // The application: keeps the ledger open in WAL mode, its last 5 events only in the WAL.
    writer = await openLedger({ store: sqliteStore(join(dir, "ledger.db")), ledgerId: LEDGER_ID });
    await writer.appendBatch(Array.from({ length: 5 }, (_, i) => sampleInput(20 + i)));
    readOnlyFor(dir);
  });
  afterAll(() => writer?.close());

  it("sees the events that are still in the -wal, writes nothing, creates nothing", async () => {
    expect(statSync(join(dir, "ledger.db-wal")).size).toBeGreaterThan(0);
    const before = snapshot(dir);
    const r = await daicho(["verify", join(dir, "ledger.db"), "--json"], as(out));
    expect(r.code, r.out + r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, count: 25 });
    const after = snapshot(dir);
    expect(Object.keys(after)).toEqual(Object.keys(before));
    expect(after["ledger.db"]).toEqual(before["ledger.db"]);
    expect(after["ledger.db-wal"]).toEqual(before["ledger.db-wal"]);
  });

  it("refuses, exit 2 and how to fix it, a -wal with content but no -shm beside it", async () => {
    const copy = join(root, "wal-only");
    mkdirSync(copy);
    copyFileSync(join(dir, "ledger.db"), join(copy, "ledger.db"));
    copyFileSync(join(dir, "ledger.db-wal"), join(copy, "ledger.db-wal"));
    readOnlyFor(copy);
    const before = snapshot(copy);
    const r = await daicho(["verify", join(copy, "ledger.db")], as(out));
    expect(r.code).toBe(2);
    expect(r.err).toMatch(
      /STORE_UNAVAILABLE .*-wal holds events not yet in the main file.*copy ledger\.db and ledger\.db-wal/,
    );
    expect(snapshot(copy)).toEqual(before);
  });
});

describe("in a writable directory too", () => {
  it("verify and prove leave no -wal or -shm behind and change no byte", async () => {
    const dir = join(root, "writable");
    mkdirSync(dir);
    await append(join(dir, "ledger.db"), 0, 12);
    const before = snapshot(dir);
    expect(Object.keys(before)).toEqual(["ledger.db"]);
    expect((await daicho(["verify", join(dir, "ledger.db")])).code).toBe(0);
    expect((await daicho(["prove", join(dir, "ledger.db"), "4"])).code).toBe(0);
    expect(snapshot(dir)).toEqual(before);
  });
});
