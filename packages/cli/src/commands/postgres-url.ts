import { DaichoError } from "@daicho/core";
import type { Args } from "../args";
import { isPostgresUrl } from "../open";

/** Where a PostgreSQL operator command works: the URL (first argument), `--schema`, `--tenant`. */
export interface PostgresTarget {
  readonly url: string;
  readonly schema?: string;
  readonly tenant: string | undefined;
}

/**
 * The PostgreSQL URL a PostgreSQL-only command (`migrate`, `backup`, `restore`) was given
 * as its first argument, with `--schema` and `--tenant`. INVALID_ARGUMENT, saying why,
 * for a missing argument or a SQLite path: a SQLite ledger is one file, migrated by the
 * library when the operator's application opens it and copied with SQLite's own backup.
 */
export function postgresTarget(args: Args, command: string): PostgresTarget {
  const url = args.positional[0];
  if (url === undefined || !isPostgresUrl(url)) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `${command} works on PostgreSQL: give a postgres:// or postgresql:// URL first (a SQLite ledger is one file: copy it with sqlite3 ".backup", see docs/operations.md)`,
      { path: "argv" },
    );
  }
  const schema = args.options.get("schema");
  return { url, tenant: args.options.get("tenant"), ...(schema === undefined ? {} : { schema }) };
}

/** `--tenant` for commands that write one tenant: required, never defaulted. */
export function requiredTenant(target: PostgresTarget, command: string): string {
  if (target.tenant === undefined) {
    throw new DaichoError("INVALID_ARGUMENT", `${command} needs --tenant T (the tenant to write)`, {
      path: "--tenant",
    });
  }
  return target.tenant;
}
