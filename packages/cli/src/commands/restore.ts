import { statSync } from "node:fs";
import { DaichoError, isDaichoError } from "@daicho/core";
import type { Args, OptionSpec } from "../args";
import { readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { EXIT } from "../exit";
import { POSTGRES_LEDGER_OPTIONS } from "../open";
import { FORMATS, type Io, printJson, reportInvalid } from "../output";
import type { Command } from "./command";
import { postgresTarget, requiredTenant } from "./postgres-url";
import { heldHead, verifyCommand } from "./verify";

const ANCHOR_NEEDED =
  "a hash chain can be rebuilt end to end by whoever rewrote it, so say what the copy must match: " +
  "--vkey K (the log's verifier key: the copy's latest signed checkpoint must verify and its root be reproduced), " +
  "--checkpoint FILE (a checkpoint you hold), or --expect-seq N --expect-hash H (a head you recorded); " +
  "--unanchored accepts a copy that is merely self-consistent";

export const restoreCommand: Command = {
  name: "restore",
  usage:
    "restore <postgres://…> <backup-file> --tenant T [--schema S] (--vkey K [--threshold k] | --checkpoint FILE | --expect-seq N --expect-hash H | --unanchored) [--json]",
  summary: "operator: restore a backup as a new PostgreSQL tenant, verified before it is committed",
  details: `Restores FILE (written by \`daicho backup\`) into tenant T, which must not exist.
The copy is verified twice before anything is committed: the file (shape, trailer digest,
every event hash and link from the genesis of its ledger id, the stored tree against the
tree recomputed from the events, every checkpoint's root), then the rows PostgreSQL holds,
read back inside the restoring transaction. It must also match what you trust: with
--vkey, the copy's latest signed checkpoint (or --checkpoint's) must satisfy k of these
keys and its root be reproduced; --checkpoint alone is trusted because you hold it;
--expect-seq/--expect-hash require that exact event at that position. One of them is
required (or --unanchored). A copy that fails any check is refused with exit 1 and
nothing is written. Connects for writing; runs no DDL (migrate the schema first).`,
  options: {
    ...POSTGRES_LEDGER_OPTIONS,
    ...TRUST_OPTIONS,
    checkpoint: {
      type: "string",
      value: "FILE",
      help: "a signed checkpoint you hold: the copy must reproduce its root",
    },
    "expect-seq": verifyCommand.options["expect-seq"] as OptionSpec,
    "expect-hash": verifyCommand.options["expect-hash"] as OptionSpec,
    unanchored: {
      type: "boolean",
      help: "accept a copy that is only self-consistent (no key, checkpoint or head to match)",
    },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const target = postgresTarget(args, "restore");
    const file = args.positional[1];
    if (file === undefined || args.positional.length > 2) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "usage: daicho restore <postgres://…> <backup-file> --tenant T --vkey K",
        { path: "argv" },
      );
    }
    const tenant = requiredTenant(target, "restore");
    const expectHead = heldHead(args);
    const policy = args.options.has("vkey") ? trustPolicy(args) : undefined;
    const cpFile = args.options.get("checkpoint");
    const anchored = policy !== undefined || cpFile !== undefined || expectHead !== undefined;
    if (anchored === args.flags.has("unanchored")) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        anchored ? "--unanchored contradicts --vkey, --checkpoint and --expect-*" : ANCHOR_NEEDED,
        { path: anchored ? "--unanchored" : "argv" },
      );
    }
    const options = {
      ...(policy === undefined ? {} : { verifierKeys: policy.keys, threshold: policy.threshold }),
      ...(cpFile === undefined ? {} : { checkpoint: readText(cpFile, "checkpoint") }),
      ...(expectHead === undefined ? {} : { expectHead }),
    };
    if (!statSync(file, { throwIfNoEntry: false })?.isFile()) {
      // A missing file is a usage error, found before connecting.
      throw new DaichoError("NOT_FOUND", "cannot read the backup file", { path: file });
    }
    const { openPostgres } = await import("@daicho/adapters/postgres");
    const db = await openPostgres({
      connectionString: target.url,
      maxConnections: 2,
      ...(target.schema === undefined ? {} : { schema: target.schema }),
    });
    try {
      const r = await db.restore(tenant, file, options);
      if (json) printJson(io, FORMATS.restore, { ok: true, tenant, file, ...r });
      else {
        const head = r.head === null ? "empty" : `head #${r.head.seq} ${r.head.hash}`;
        const against =
          r.verifiedAgainst === null
            ? expectHead === undefined
              ? "self-consistent only (--unanchored)"
              : `your head #${expectHead.seq}`
            : `${r.verifiedAgainst.source} (size ${r.verifiedAgainst.size}, root ${r.verifiedAgainst.root})`;
        io.out(
          `OK  restored tenant ${tenant} from ${file}: ${r.count} events, ${head}; tree of ${r.treeSize} leaves, ${r.checkpoints} checkpoints\n    verified against ${against}\n`,
        );
      }
      return EXIT.ok;
    } catch (e) {
      if (!isDaichoError(e, "BACKUP_INVALID")) throw e;
      reportInvalid(io, json, FORMATS.restore, e);
      return EXIT.evidenceFails;
    } finally {
      await db.close();
    }
  },
};
