/**
 * Regenerates packages/adapters/sql/postgres/*.sql — the PostgreSQL migration scripts for
 * schema `daicho` and the application role's grants — from the migration list the library
 * runs. `migration-sql.test.ts` holds the committed files equal to this output, so a
 * change to a migration shows up as a diff a DBA can review. Run: pnpm sql:postgres
 */
import { readdirSync, rmSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { committedSqlFiles } from "../src/postgres/migration-sql";

const dir = fileURLToPath(new URL("../sql/postgres/", import.meta.url));
const files = committedSqlFiles();
for (const old of readdirSync(dir)) {
  if (old.endsWith(".sql") && !(old in files)) rmSync(`${dir}${old}`);
}
for (const [name, text] of Object.entries(files)) {
  writeFileSync(`${dir}${name}`, text);
  console.log(`wrote packages/adapters/sql/postgres/${name}`);
}
