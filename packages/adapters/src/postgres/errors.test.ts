import { randomBytes } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type DaichoError, isDaichoError, openLedger } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pgError } from "./errors";
import { type PgCluster, startPgCluster } from "./harness/index";
import { migratePostgres, openPostgres } from "./index";

/**
 * Issue 12 item 6: PostgreSQL errors carry the server's message and are classed right. A
 * wrong password, a missing database, a role without privileges and a missing schema are
 * configuration errors (`retryable: false`, with what to change), tried against a real
 * server that checks passwords (its own pg_hba.conf: trust only for the superuser).
 */

let cluster: PgCluster;
let admin: pg.Client;
let hbaDir: string;
const SCHEMA = `daicho_err_${process.pid}`;
const roles: string[] = [];

beforeAll(async () => {
  hbaDir = mkdtempSync(join(tmpdir(), "daicho-hba-"));
  chmodSync(hbaDir, 0o755);
  const hba = join(hbaDir, "pg_hba.conf");
  writeFileSync(
    hba,
    [
      "local all postgres trust",
      `local all blocked_${process.pid} reject`,
      "local all all scram-sha-256",
    ].join("\n"),
  );
  chmodSync(hba, 0o644);
  cluster = await startPgCluster({ privateCluster: true, settings: { hba_file: `'${hba}'` } });
  admin = new pg.Client(cluster.url);
  await admin.connect();
  await migratePostgres({ connectionString: cluster.url, schema: SCHEMA });
}, 120_000);

afterAll(async () => {
  for (const r of roles) await admin?.query(`DROP OWNED BY ${r}`).catch(() => {});
  for (const r of roles) await admin?.query(`DROP ROLE IF EXISTS ${r}`).catch(() => {});
  await admin?.end();
  cluster?.destroy();
  rmSync(hbaDir, { recursive: true, force: true });
});

/** A login role with a password, and the URL that connects as it (optionally to `database`). */
async function loginRole(
  name: string,
  password = randomBytes(12).toString("hex"),
): Promise<{ role: string; url: (pw?: string, database?: string) => string }> {
  const role = `${name}_${process.pid}`;
  roles.push(role);
  await admin.query(`DROP ROLE IF EXISTS ${role}`);
  await admin.query(`CREATE ROLE ${role} LOGIN PASSWORD '${password}'`);
  const url = (pw = password, database?: string) => {
    const withRole = cluster.url.replace(
      /^(postgres(?:ql)?:\/\/)(?:[^@/?#]*@)?/,
      `$1${role}:${pw}@`,
    );
    return database === undefined ? withRole : withRole.replace(/\/daicho_test\b/, `/${database}`);
  };
  return { role, url };
}

async function failure(p: Promise<unknown>): Promise<DaichoError> {
  const e = await p.then(
    () => {
      throw new Error("expected a rejection");
    },
    (x: unknown) => x,
  );
  expect(isDaichoError(e)).toBe(true);
  return e as DaichoError;
}

/** Open a ledger on `url` the way an application does, and return why it failed. */
async function openFailure(url: string, schema = SCHEMA): Promise<DaichoError> {
  return failure(
    (async () => {
      const db = await openPostgres({ connectionString: url, schema, connectTimeoutMs: 5000 });
      try {
        const ledger = await openLedger({ store: db.store("default"), ledgerId: "err.test/l" });
        await ledger.append(sampleInput(1));
      } finally {
        await db.close();
      }
    })(),
  );
}

describe("PostgreSQL configuration errors are said plainly and not retried", () => {
  it("a wrong password: 28P01, authentication failed, with the server's message", async () => {
    const { role, url } = await loginRole("wrongpw");
    const e = await openFailure(url("not-the-password"));
    expect(e).toMatchObject({
      code: "STORE_UNAVAILABLE",
      retryable: false,
      details: { pg: "28P01", kind: "configuration" },
    });
    expect(e.reason).toBe(
      `PostgreSQL: authentication failed (28P01: password authentication failed for user "${role}"); check the role and password in the connection URL`,
    );
    expect(e.message).not.toContain("not-the-password");
  });

  it("a role pg_hba.conf rejects: 28000, authentication failed", async () => {
    const { url } = await loginRole("blocked");
    const e = await openFailure(url());
    expect(e).toMatchObject({ retryable: false, details: { pg: "28000", kind: "configuration" } });
    expect(e.reason).toMatch(/^PostgreSQL: authentication failed \(28000: pg_hba\.conf rejects/);
    expect(e.reason).toMatch(/pg_hba\.conf$/);
  });

  it("a database that does not exist: 3D000, no such database", async () => {
    const { url } = await loginRole("nodb");
    const e = await openFailure(url(undefined, `missing_db_${process.pid}`));
    expect(e).toMatchObject({ retryable: false, details: { pg: "3D000", kind: "configuration" } });
    expect(e.reason).toBe(
      `PostgreSQL: no such database (3D000: database "missing_db_${process.pid}" does not exist); create the database, or fix its name in the connection URL`,
    );
  });

  it("a role without privileges on the schema: 42501, permission denied", async () => {
    const { url } = await loginRole("nogrants");
    const e = await openFailure(url());
    expect(e).toMatchObject({ retryable: false, details: { pg: "42501", kind: "configuration" } });
    expect(e.reason).toMatch(
      new RegExp(
        `^PostgreSQL: permission denied \\(42501: permission denied for schema ${SCHEMA}\\); grant the application role`,
      ),
    );
  });

  it("a schema that does not exist: 3F000, no such schema (the server's own error)", async () => {
    // The library's queries name tables (a dropped schema reads 42P01, as before); the
    // server raises 3F000 where a schema itself is named, as here.
    const raw = await admin.query(`CREATE TABLE missing_${process.pid}.t ()`).catch((x) => x);
    expect((raw as { code?: string }).code).toBe("3F000");
    const e = pgError(raw, "schema x");
    expect(e).toMatchObject({
      code: "STORE_UNAVAILABLE",
      retryable: false,
      details: { pg: "3F000", kind: "configuration" },
    });
    expect(e.reason).toBe(
      `PostgreSQL: no such schema (3F000: schema "missing_${process.pid}" does not exist); run \`daicho migrate <url>\` (or open with migrate: true), or fix the schema name`,
    );
  });
});

describe("PostgreSQL outages stay retryable", () => {
  it("a refused connection is STORE_UNAVAILABLE, retryable", async () => {
    // A port nothing listens on (bound and released at once).
    const port = await new Promise<number>((resolve) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => resolve(port));
      });
    });
    const e = await openFailure(`postgresql://nobody:pw@127.0.0.1:${port}/daicho_test`);
    expect(e).toMatchObject({
      code: "STORE_UNAVAILABLE",
      retryable: true,
      details: { pg: "ECONNREFUSED" },
    });
  });

  it("server shutdown and start-up (57P01, 57P03) and a reset stay retryable", () => {
    for (const code of ["57P01", "57P03", "ECONNRESET"]) {
      const e = pgError(Object.assign(new Error("terminating connection"), { code }), "x");
      expect(e).toMatchObject({
        code: "STORE_UNAVAILABLE",
        retryable: true,
        details: { pg: code },
      });
    }
  });

  it("other server errors carry the server's message, but not a data exception's (it may quote a value)", () => {
    const other = pgError(
      Object.assign(new Error('relation "t" does not exist'), { code: "42P01" }),
      "x",
    );
    expect(other.reason).toBe('PostgreSQL error 42P01: relation "t" does not exist');
    const data = pgError(
      Object.assign(new Error('invalid input syntax for type json: "hanako@example.jp"'), {
        code: "22P02",
        detail: "Token hanako@example.jp is invalid.",
      }),
      "x",
    );
    expect(data.reason).toBe("PostgreSQL error 22P02");
    expect(JSON.stringify(data.toJSON())).not.toContain("hanako");
  });
});
