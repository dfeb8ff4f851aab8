import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Database from "better-sqlite3";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { appendSamples } from "./fixture";
import { run } from "./run";

/**
 * A host may keep the Merkle tree, checkpoints and subject map in a SQLite file of their
 * own (`sqliteTreeStore(otherFile)`: a checkpointer process then never takes the event
 * file's write lock; docs/operations.md). `--tree FILE` points every ledger command there.
 */
let dir: string;
const f = (name: string) => join(dir, name);
const sha = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "daicho-cli-tree-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

async function ledgerWithTreeApart(name: string, ledgerId: string): Promise<void> {
  await appendSamples(f(`${name}.db`), ledgerId, 0, 40);
  expect((await run("keygen", ledgerId, "--out", f(`${name}.key`))).code).toBe(0);
  const cp = await run(
    "checkpoint",
    f(`${name}.db`),
    "--tree",
    f(`${name}-tree.db`),
    "--key",
    f(`${name}.key`),
    "--out",
    f(`${name}.cp`),
  );
  expect(cp.code, cp.err).toBe(0);
}

describe("--tree: the tree store in a file of its own", () => {
  it("checkpoint writes the tree and map there; verify checks them there and writes nothing", async () => {
    await ledgerWithTreeApart("a", "cli.test/tree-a");
    await appendSamples(f("a.db"), "cli.test/tree-a", 40, 5); // events beyond the tree
    const before = [sha(f("a.db")), sha(f("a-tree.db"))];
    const args = ["--tree", f("a-tree.db"), "--vkey", f("a.key.vkey"), "--json"];
    const r = await run("verify", f("a.db"), ...args);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({ ok: true, count: 45 });
    // Without --tree, the ledger's own file holds no checkpoint, and verify says so.
    const bare = await run("verify", f("a.db"), "--vkey", f("a.key.vkey"));
    expect(bare.code).toBe(0);
    expect(bare.out).toMatch(/no signed checkpoint is stored here: .*--tree FILE/);
    const given = await run("verify", f("a.db"), "--tree", f("a-tree.db"));
    expect(given.out).not.toMatch(/no signed checkpoint/);
    expect([sha(f("a.db")), sha(f("a-tree.db"))]).toEqual(before);
    // It is that file that was checked: one stored node edited there fails verify.
    const db = new Database(f("a-tree.db"));
    db.prepare(
      "UPDATE daicho_tree_nodes SET hash = zeroblob(32) WHERE rowid = (SELECT min(rowid) FROM daicho_tree_nodes)",
    ).run();
    db.close();
    expect((await run("verify", f("a.db"), ...args)).code).toBe(1);
  });

  it("prove and extract work through it; extract finds no checkpoint without it", async () => {
    await ledgerWithTreeApart("a", "cli.test/tree-a");
    const trust = ["--vkey", f("a.key.vkey")];
    const tree = ["--tree", f("a-tree.db")];
    const prove = ["prove", f("a.db"), "7", "--checkpoint", f("a.cp"), ...trust];
    const p = await run(...prove, ...tree, "--json");
    expect(p.code, p.err).toBe(0);
    writeFileSync(f("proof.json"), p.out);
    const checked = await run("verify-proof", f("proof.json"), "--checkpoint", f("a.cp"), ...trust);
    expect(checked.code, checked.err).toBe(0);
    const x = ["extract", f("a.db"), "--subject", "nobody", ...trust];
    const e = await run(...x, ...tree, "--out", f("x.json"));
    expect(e.code, e.err).toBe(0);
    expect((await run("verify-extract", f("x.json"), ...trust)).code).toBe(0);
    expect((await run(...x, "--out", f("y.json"))).code).not.toBe(0);
  });

  it("refuses another ledger's tree, exit 1", async () => {
    await ledgerWithTreeApart("a", "cli.test/tree-a");
    await ledgerWithTreeApart("b", "cli.test/tree-b");
    const r = await run("verify", f("a.db"), "--tree", f("b-tree.db"));
    expect(r.code).toBe(1);
  });

  it("refuses a tree file that does not exist, and does not create it", async () => {
    await appendSamples(f("a.db"), "cli.test/tree-a", 0, 5);
    const r = await run("verify", f("a.db"), "--tree", f("missing.db"));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/the tree file .*missing\.db does not exist/);
    expect(existsSync(f("missing.db"))).toBe(false);
  });

  it("is refused with a PostgreSQL URL, saying why", async () => {
    const r = await run("verify", "postgres://127.0.0.1:1/x", "--tree", f("t.db"));
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/--tree applies to SQLite files only/);
    // backup and restore open PostgreSQL tenants only: they do not take --tree at all.
    const b = await run(
      "backup",
      "postgres://127.0.0.1:1/x",
      "--tenant",
      "t",
      "--out",
      f("b"),
      "--tree",
      f("t.db"),
    );
    expect(b.code).not.toBe(0);
    expect(b.err).toMatch(/--tree/);
  });
});
