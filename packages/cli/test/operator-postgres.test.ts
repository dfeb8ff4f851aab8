import { randomBytes } from "node:crypto";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  migrationFiles,
  openPostgres,
  type PostgresDatabase,
  postgresDatabase,
  SCHEMA_VERSION,
} from "@daicho/adapters/postgres";
import { type PgCluster, startPgCluster } from "@daicho/adapters/postgres/harness";
import { type EventInput, openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { daicho } from "./bin";

const ALL_VERSIONS = Array.from({ length: SCHEMA_VERSION }, (_, i) => i + 1);

// `daicho migrate`, `backup` and `restore`, run as the built binary against a real server.
const SCHEMA = `daicho_cli_ops_${process.pid}`;
const RACE = `daicho_cli_race_${process.pid}`;
const ROLE = `daicho_cli_app_${process.pid}`;
const LEDGER_ID = "ops.example/acme";

let cluster: PgCluster;
let url: string;
let appUrl: string;
let dir: string;
let owner: PostgresDatabase | undefined;
/** Plain SQL as the cluster's superuser: the pool of a database handle, used before any schema exists. */
let admin: PostgresDatabase;
const file = (name: string) => join(dir, name);
const json = (out: string) => JSON.parse(out) as Record<string, unknown>;
/** The built binary on this run's schema: `daicho <command> <url> …rest --schema S`. */
const ops = (command: string, ...rest: string[]) =>
  daicho([command, url, ...rest, "--schema", SCHEMA]);

beforeAll(async () => {
  cluster = await startPgCluster();
  url = cluster.url;
  dir = mkdtempSync(join(tmpdir(), "daicho-cli-ops-"));
  const password = randomBytes(12).toString("hex");
  admin = postgresDatabase({ connectionString: url, maxConnections: 1 });
  await admin.pool.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin.pool.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${password}'`);
  appUrl = url.replace(/^(postgres(?:ql)?:\/\/)(?:[^@/?#]*@)?/, `$1${ROLE}:${password}@`);
});
afterAll(async () => {
  await owner?.close();
  for (const s of [SCHEMA, RACE]) await admin?.pool.query(`DROP SCHEMA IF EXISTS ${s} CASCADE`);
  await admin?.pool.query(`DROP ROLE IF EXISTS ${ROLE}`);
  await admin?.close();
  cluster?.destroy();
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

async function versions(schema: string): Promise<number[]> {
  const r = await admin.pool.query<{ version: number }>(
    `SELECT version FROM ${schema}.schema_migrations ORDER BY version`,
  );
  return r.rows.map((x) => x.version);
}

describe("daicho migrate", () => {
  it("migrates from several processes at once, each migration once; again is a no-op", async () => {
    const runs = await Promise.all(
      Array.from({ length: 4 }, () => daicho(["migrate", url, "--schema", RACE, "--json"])),
    );
    for (const r of runs) expect(r.code, r.err).toBe(0);
    const reports = runs.map((r) => json(r.out));
    for (const r of reports) expect(r).toMatchObject({ format: "daicho-migrate/v1", ok: true });
    const applied = reports
      .flatMap((r) => r.applied as { version: number }[])
      .map((m) => m.version);
    expect(applied.sort()).toEqual(ALL_VERSIONS);
    expect(await versions(RACE)).toEqual(ALL_VERSIONS);
    const again = await daicho(["migrate", url, "--schema", RACE]);
    expect(again.code, again.err).toBe(0);
    expect(again.out).toBe(`schema ${RACE} is at version ${SCHEMA_VERSION}: nothing to do\n`);
    expect(await versions(RACE)).toEqual(ALL_VERSIONS);
  });

  it("--sql prints exactly the scripts it runs, for any schema, without connecting", async () => {
    const r = await daicho(["migrate", "--sql", "--schema", "crm_ledger", "--json"]);
    expect(r.code, r.err).toBe(0);
    expect(json(r.out)).toMatchObject({
      format: "daicho-migration-sql/v1",
      schema: "crm_ledger",
      files: migrationFiles("crm_ledger").map((f) => ({ file: f.file, sql: f.sql })),
    });
    const text = await daicho(["migrate", "--sql"]);
    for (const f of migrationFiles()) expect(text.out).toContain(f.sql);
  });

  it("refuses a SQLite path, a second argument, a misspelt option and a hostile schema name (exit 2)", async () => {
    for (const argv of [
      ["migrate", file("ledger.db")],
      ["migrate", url, "extra"],
      ["migrate", url, "--shcema", "x"],
      ["migrate", url, "--schema", 'x"; DROP SCHEMA public; --'],
      ["migrate", "--sql", url],
    ]) {
      const r = await daicho(argv);
      expect(r.code, argv.join(" ")).toBe(2);
    }
  });

  it("with --grant-to, the application role opens and appends without any DDL", async () => {
    const r = await ops("migrate", "--grant-to", ROLE, "--json");
    expect(r.code, r.err).toBe(0);
    expect(json(r.out)).toMatchObject({ from: 0, to: SCHEMA_VERSION, grantedTo: ROLE });
    const app = await openPostgres({ connectionString: appUrl, schema: SCHEMA });
    const ledger = await openLedger({ store: app.store("acme"), ledgerId: LEDGER_ID });
    await ledger.appendBatch(Array.from({ length: 40 }, (_, i) => sampleInput(i) as EventInput));
    expect(await ledger.verify()).toMatchObject({ ok: true, count: 40 });
    await app.close();
    owner = await openPostgres({ connectionString: url, schema: SCHEMA });
  });
});

describe("daicho backup and restore", () => {
  let head: { seq: number; hash: string };

  it("backs up a tenant and restores it into another, verified against the log's key", async () => {
    expect((await daicho(["keygen", LEDGER_ID, "--out", file("log.key")])).code).toBe(0);
    const cp = await ops("checkpoint", "--tenant", "acme", "--key", file("log.key"));
    expect(cp.code, cp.err).toBe(0);
    const b = await ops("backup", "--tenant", "acme", "--out", file("acme.ndjson"), "--json");
    expect(b.code, b.err).toBe(0);
    const backup = json(b.out);
    expect(backup).toMatchObject({
      format: "daicho-backup-result/v1",
      ok: true,
      tenant: "acme",
      ledgerId: LEDGER_ID,
      count: 40,
      treeSize: 40,
      checkpoints: 1,
    });
    head = backup.head as { seq: number; hash: string };
    const r = await ops(
      "restore",
      file("acme.ndjson"),
      "--tenant",
      "acme-copy",
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(r.code, r.err).toBe(0);
    expect(json(r.out)).toMatchObject({
      format: "daicho-restore-result/v1",
      ok: true,
      tenant: "acme-copy",
      count: 40,
      head,
      verifiedAgainst: { size: 40 },
    });
    const v = await ops(
      "verify",
      "--tenant",
      "acme-copy",
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(v.code, v.err).toBe(0);
    expect(json(v.out)).toMatchObject({
      ok: true,
      ledgerId: LEDGER_ID,
      count: 40,
      headHash: head.hash,
    });
    // The text form names the head and what the copy was verified against.
    const t = await ops(
      "restore",
      file("acme.ndjson"),
      "--tenant",
      "acme-copy-2",
      "--expect-seq",
      String(head.seq),
      "--expect-hash",
      head.hash,
    );
    expect(t.code, t.err).toBe(0);
    expect(t.out).toContain(`head #${head.seq} ${head.hash}`);
    expect(t.out).toContain(`verified against your head #${head.seq}`);
  });

  it("never overwrites a backup, never restores over a tenant, and wants an anchor (exit 2)", async () => {
    const before = readFileSync(file("acme.ndjson"));
    const again = await ops("backup", "--tenant", "acme", "--out", file("acme.ndjson"));
    expect(again.code).toBe(2);
    expect(readFileSync(file("acme.ndjson"))).toEqual(before);
    const over = await ops(
      "restore",
      file("acme.ndjson"),
      "--tenant",
      "acme",
      "--vkey",
      file("log.key.vkey"),
      "--json",
    );
    expect(over.code).toBe(2);
    expect(json(over.out)).toMatchObject({
      format: "daicho-error/v1",
      error: { code: "LEDGER_MISMATCH" },
    });
    const bare = await ops("restore", file("acme.ndjson"), "--tenant", "acme-bare");
    expect(bare.code).toBe(2);
    expect(bare.err).toContain("--unanchored");
    const noTenant = await ops("restore", file("acme.ndjson"), "--unanchored");
    expect(noTenant.code).toBe(2);
    const missing = await ops("restore", file("nope.ndjson"), "--tenant", "x", "--unanchored");
    expect(missing.code).toBe(2);
    for (const t of ["acme-bare", "x"]) expect(await owner?.store(t).meta()).toBeNull();
    const loose = await ops(
      "restore",
      file("acme.ndjson"),
      "--tenant",
      "acme-loose",
      "--unanchored",
    );
    expect(loose.code, loose.err).toBe(0);
    expect(loose.out).toContain("self-consistent only");
  });

  it("refuses a tampered backup and a wrong key with exit 1, writing nothing", async () => {
    const lines = readFileSync(file("acme.ndjson"), "utf8").split("\n");
    const at = lines.findIndex((l) => l.includes('"body"'));
    const event = JSON.parse(lines[at] as string) as { body: string };
    const body = event.body.replace('"actor":{', '"actor":{"x":1,');
    expect(body).not.toBe(event.body);
    lines[at] = JSON.stringify({ ...event, body });
    writeFileSync(file("tampered.ndjson"), lines.join("\n"));
    const stranger = await daicho(["keygen", "stranger.example/k", "--out", file("stranger.key")]);
    expect(stranger.code).toBe(0);
    const cases: [string, string[]][] = [
      ["acme-tampered", [file("tampered.ndjson"), "--vkey", file("log.key.vkey")]],
      ["acme-tampered-2", [file("tampered.ndjson"), "--unanchored"]],
      ["acme-wrong-key", [file("acme.ndjson"), "--vkey", file("stranger.key.vkey")]],
      ["acme-wrong-head", [file("acme.ndjson"), "--expect-seq", "3", "--expect-hash", head.hash]],
    ];
    for (const [tenant, argv] of cases) {
      const r = await ops(
        "restore",
        argv[0] as string,
        "--tenant",
        tenant,
        ...argv.slice(1),
        "--json",
      );
      expect(r.code, `${tenant}: ${r.out}${r.err}`).toBe(1);
      expect(json(r.out)).toMatchObject({
        format: "daicho-restore-result/v1",
        ok: false,
        error: { code: "BACKUP_INVALID" },
      });
      expect(await owner?.store(tenant).meta()).toBeNull();
      expect(await owner?.treeStore(tenant).size()).toBe(0);
    }
    const text = await ops(
      "restore",
      file("tampered.ndjson"),
      "--tenant",
      "acme-t3",
      "--unanchored",
    );
    expect(text.code).toBe(1);
    expect(text.out).toMatch(/^INVALID {2}BACKUP_INVALID/);
  });
});
