import { DaichoError } from "@daicho/core";
import type { Args } from "../args";
import { EXIT } from "../exit";
import { FORMATS, type Io, printJson } from "../output";
import type { Command } from "./command";
import { postgresTarget } from "./postgres-url";

const postgres = () => import("@daicho/adapters/postgres");

/** `--sql`: print the scripts (and grants) instead of connecting. */
async function printSql(args: Args, io: Io): Promise<number> {
  if (args.positional.length > 0) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "--sql prints the scripts without connecting: give no URL (daicho migrate --sql [--schema S])",
      { path: "--sql" },
    );
  }
  const { applicationGrants, migrationFiles } = await postgres();
  const schema = args.options.get("schema") ?? "daicho";
  const role = args.options.get("grant-to");
  const files = migrationFiles(schema);
  const grants = role === undefined ? undefined : applicationGrants(schema, role);
  if (args.flags.has("json")) {
    printJson(io, FORMATS.migrationSql, {
      ok: true,
      schema,
      files,
      ...(grants === undefined ? {} : { grants }),
    });
  } else {
    io.out(
      [
        ...files.map((f) => `-- file: ${f.file}\n${f.sql}`),
        ...(grants === undefined ? [] : [grants]),
      ].join("\n"),
    );
  }
  return EXIT.ok;
}

export const migrateCommand: Command = {
  name: "migrate",
  usage:
    "migrate <postgres://…> [--schema S] [--grant-to ROLE] [--json] | migrate --sql [--schema S] [--grant-to ROLE]",
  summary: "operator: bring a PostgreSQL schema to this release's version (DDL); --sql prints it",
  details: `Applications open PostgreSQL without running DDL: opening only checks that the
schema is at the library's version and refuses otherwise. This command is the step that
creates or upgrades the schema, run as its owner (a role that may create it). Each
migration is one transaction under the schema's advisory lock and refuses to run twice,
so running it again, or from several machines at once, is a no-op. With --grant-to ROLE
the application role is then granted exactly what it needs (no DDL, no deleting events).
--sql prints the same scripts (the files in @daicho/adapters/sql/postgres, for schema S)
for a DBA to review and apply with psql, without connecting.`,
  options: {
    schema: { type: "string", value: "S", help: "the schema (default `daicho`)" },
    "grant-to": {
      type: "string",
      value: "ROLE",
      help: "then grant this application role what it needs (see docs/operations.md)",
    },
    sql: { type: "boolean", help: "print the migration scripts instead of connecting" },
  },
  async run(args: Args, io: Io): Promise<number> {
    if (args.flags.has("sql")) return printSql(args, io);
    const target = postgresTarget(args, "migrate");
    if (args.positional.length > 1) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "migrate takes one URL and migrates the whole schema, every tenant in it",
        { path: "argv" },
      );
    }
    const { migratePostgres } = await postgres();
    const role = args.options.get("grant-to");
    const result = await migratePostgres({
      connectionString: target.url,
      ...(target.schema === undefined ? {} : { schema: target.schema }),
      ...(role === undefined ? {} : { grantTo: role }),
    });
    if (args.flags.has("json")) {
      printJson(io, FORMATS.migrate, {
        ok: true,
        ...result,
        ...(role === undefined ? {} : { grantedTo: role }),
      });
    } else if (result.applied.length === 0) {
      io.out(`schema ${result.schema} is at version ${result.to}: nothing to do\n`);
    } else {
      io.out(
        `migrated schema ${result.schema} from version ${result.from} to ${result.to}:\n${result.applied
          .map((m) => `  ${m.version}  ${m.name}\n`)
          .join("")}`,
      );
    }
    if (role !== undefined && !args.flags.has("json")) {
      io.out(`granted ${role} the application privileges on schema ${result.schema}\n`);
    }
    return EXIT.ok;
  },
};
