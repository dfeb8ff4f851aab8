import { existsSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import type { Args } from "../args";
import { EXIT } from "../exit";
import { POSTGRES_LEDGER_OPTIONS } from "../open";
import { FORMATS, type Io, printJson } from "../output";
import type { Command } from "./command";
import { postgresTarget } from "./postgres-url";

export const backupCommand: Command = {
  name: "backup",
  usage: "backup <postgres://…> --tenant T --out FILE [--schema S] [--json]",
  summary: "operator: online, consistent backup of one PostgreSQL tenant to a file",
  details: `Reads the tenant's metadata, head, events, Merkle tree and signed checkpoints in
one read-only snapshot while the application keeps appending, and writes them to FILE
(format daicho-backup/v2, docs/operations.md "Backup and restore"), through FILE.partial,
fsynced, then renamed. Keys are not in the file: back the key store up separately.
Connects read-only (works on a streaming replica or with a SELECT-only role) and never
overwrites an existing FILE. Keep the head it prints: \`daicho restore\` can require it.`,
  options: {
    ...POSTGRES_LEDGER_OPTIONS,
    out: { type: "string", value: "FILE", help: "the backup file to write (never overwritten)" },
  },
  async run(args: Args, io: Io): Promise<number> {
    const target = postgresTarget(args, "backup");
    const out = args.options.get("out");
    if (out === undefined || args.positional.length > 1) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "usage: daicho backup <postgres://…> --tenant T --out FILE",
        { path: "argv" },
      );
    }
    if (existsSync(out) || existsSync(`${out}.partial`)) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "refusing to overwrite an existing backup (or an unfinished FILE.partial): choose a new name",
        { path: out },
      );
    }
    const tenant = target.tenant ?? "default";
    const { openPostgres } = await import("@daicho/adapters/postgres");
    const db = await openPostgres({
      connectionString: target.url,
      readonly: true,
      maxConnections: 1,
      ...(target.schema === undefined ? {} : { schema: target.schema }),
    });
    try {
      const r = await db.backup(tenant, out);
      if (args.flags.has("json")) printJson(io, FORMATS.backup, { ok: true, tenant, ...r });
      else {
        const head = r.head === null ? "empty" : `head #${r.head.seq} ${r.head.hash}`;
        io.out(
          `wrote ${r.file}: tenant ${tenant} (${r.ledgerId}), ${r.count} events, ${head}; tree of ${r.treeSize} leaves, ${r.checkpoints} checkpoints\n`,
        );
      }
      return EXIT.ok;
    } finally {
      await db.close();
    }
  },
};
