import { readdirSync, readFileSync } from "node:fs";
import { isDaichoError } from "@daicho/core";
import { describe, expect, it } from "vitest";
import {
  applicationGrants,
  committedSqlFiles,
  migrationFiles,
  migrationScript,
  SCHEMA_VERSION,
} from "./migration-sql";
import { MIGRATIONS } from "./schema";

const dir = new URL("../../sql/postgres/", import.meta.url);

describe("the committed PostgreSQL SQL files (packages/adapters/sql/postgres)", () => {
  it("are exactly the scripts the library runs (regenerate with pnpm sql:postgres)", () => {
    const expected = committedSqlFiles();
    const committed = readdirSync(dir).filter((f) => f.endsWith(".sql"));
    expect(committed.sort()).toEqual(Object.keys(expected).sort());
    for (const [name, text] of Object.entries(expected)) {
      expect(readFileSync(new URL(name, dir), "utf8"), name).toBe(text);
    }
  });

  it("hold one script per migration, numbered in order, for schema daicho", () => {
    const files = migrationFiles();
    expect(files.map((f) => f.version)).toEqual(MIGRATIONS.map((_, i) => i + 1));
    expect(SCHEMA_VERSION).toBe(MIGRATIONS.length);
    for (const f of files) {
      expect(f.file).toMatch(/^\d{4}-[a-z0-9-]+\.sql$/);
      expect(f.sql).toBe(migrationScript("daicho", f.version));
      // One transaction, the lock first, the guard before any change, the record last.
      expect(f.sql).toMatch(/^(--[^\n]*\n)+BEGIN;\nSELECT pg_advisory_xact_lock/);
      expect(f.sql.trimEnd().endsWith("COMMIT;")).toBe(true);
      expect(f.sql).toContain(`IF at_version <> ${f.version - 1} THEN`);
      expect(f.sql).toContain(`VALUES (${f.version}, '`);
      expect(f.sql).not.toContain("{s}");
    }
  });

  it("refuse a schema or role name that would not be a plain identifier", () => {
    for (const bad of ['daicho"; DROP TABLE x; --', "Daicho", "", "1abc"]) {
      expect(
        isDaichoError(
          catching(() => migrationScript(bad, 1)),
          "INVALID_ARGUMENT",
        ),
      ).toBe(true);
      expect(
        isDaichoError(
          catching(() => applicationGrants("daicho", bad)),
          "INVALID_ARGUMENT",
        ),
      ).toBe(true);
    }
    expect(
      isDaichoError(
        catching(() => migrationScript("daicho", 0)),
        "INVALID_ARGUMENT",
      ),
    ).toBe(true);
    expect(
      isDaichoError(
        catching(() => migrationScript("daicho", SCHEMA_VERSION + 1)),
        "INVALID_ARGUMENT",
      ),
    ).toBe(true);
  });
});

function catching(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  throw new Error("expected a throw");
}
