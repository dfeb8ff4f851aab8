import { verifyBundle } from "@daicho/core/bundle";
import { parseArgs } from "../args";
import { readText, trustPolicy, VERIFICATION_CODES } from "../auditor";
import { type Io, printJson } from "../output";
import type { Command } from "./command";

export const verifyBundleCommand: Command = {
  name: "verify-bundle",
  summary:
    "verify-bundle <bundle.json> --vkey K [--threshold k] [--held FILE] [--json]: check an audit bundle offline with public keys only",
  async run(argv: readonly string[], io: Io): Promise<number> {
    const args = parseArgs(argv, ["vkey", "threshold", "held"]);
    const json = args.flags.has("json");
    const policy = trustPolicy(args);
    const held = args.options.get("held");
    const result = verifyBundle(readText(args.positional[0], "bundle"), {
      policy,
      ...(held === undefined ? {} : { held: readText(held, "--held") }),
    });
    if (result._tag === "Left") {
      if (!VERIFICATION_CODES.has(result.left.code)) throw result.left;
      if (json) printJson(io, { ok: false, error: result.left.toJSON() });
      else
        io.out(
          `INVALID  ${result.left.code}${result.left.path ? ` at ${result.left.path}` : ""}: ${result.left.reason}\n`,
        );
      return 1;
    }
    const r = result.right;
    if (json) printJson(io, { ok: true, ...r });
    else {
      io.out(
        `OK  ${r.ledgerId}: events [${r.from}, ${r.to}) are in the checkpoint of size ${r.checkpoint.size} signed by ${r.checkpoint.verifiedBy.join(", ")}\n`,
      );
      for (const x of r.extends) io.out(`    extends the checkpoint of size ${x.size}\n`);
      if (r.held !== undefined)
        io.out(`    extends the checkpoint you hold (size ${r.held.size})\n`);
    }
    return 0;
  },
};
