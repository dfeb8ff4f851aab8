import { verifyBundle } from "@daicho/core/bundle";
import type { Args } from "../args";
import { readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { EXIT, isEvidenceFailure } from "../exit";
import { FORMATS, type Io, printJson, reportInvalid } from "../output";
import type { Command } from "./command";

export const verifyBundleCommand: Command = {
  name: "verify-bundle",
  usage: "verify-bundle <bundle.json> --vkey K [--threshold k] [--held FILE] [--json]",
  summary: "check an audit bundle offline, with public keys only",
  options: {
    ...TRUST_OPTIONS,
    held: {
      type: "string",
      value: "FILE",
      help: "a checkpoint you hold: the bundle must prove its log extends it",
    },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const policy = trustPolicy(args);
    const held = args.options.get("held");
    const result = verifyBundle(readText(args.positional[0], "bundle"), {
      policy,
      ...(held === undefined ? {} : { held: readText(held, "--held") }),
    });
    if (result._tag === "Left") {
      if (!isEvidenceFailure(result.left)) throw result.left;
      reportInvalid(io, json, FORMATS.bundleReport, result.left);
      return EXIT.evidenceFails;
    }
    const r = result.right;
    if (json) printJson(io, FORMATS.bundleReport, { ok: true, ...r });
    else {
      io.out(
        `OK  ${r.ledgerId}: events [${r.from}, ${r.to}) are in the checkpoint of size ${r.checkpoint.size} signed by ${r.checkpoint.verifiedBy.join(", ")}\n`,
      );
      for (const x of r.extends) io.out(`    extends the checkpoint of size ${x.size}\n`);
      if (r.held !== undefined)
        io.out(`    extends the checkpoint you hold (size ${r.held.size})\n`);
    }
    return EXIT.ok;
  },
};
