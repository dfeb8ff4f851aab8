import { verifyExtract } from "@daicho/core/extract";
import type { Args } from "../args";
import { readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { EXIT, isEvidenceFailure } from "../exit";
import { FORMATS, type Io, printJson, reportInvalid } from "../output";
import type { Command } from "./command";
import { subjectList } from "./extract";

export const verifyExtractCommand: Command = {
  name: "verify-extract",
  usage:
    "verify-extract <extract.json> --vkey K [--threshold k] [--held FILE] [--expect ID … | --expect-file FILE] [--json]",
  summary: "check offline that an extract holds every event about its subjects",
  details: `Needs only the extract and the trusted verifier keys (docs/spec.md §12.6). With
--expect (or --expect-file, one id a line) every one of those subjects must be covered, so
an agency cannot leave a client's customer out. With --held, the extract must be anchored
to that checkpoint or prove that its log extends it.`,
  options: {
    ...TRUST_OPTIONS,
    held: {
      type: "string",
      value: "FILE",
      help: "a checkpoint you hold: the extract must prove its log extends it",
    },
    expect: {
      type: "string",
      multiple: true,
      value: "ID",
      help: "a subject the extract must cover (repeatable)",
    },
    "expect-file": { type: "string", value: "FILE", help: "subjects it must cover, one a line" },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const policy = trustPolicy(args);
    const held = args.options.get("held");
    const expectSubjects = subjectList(args, "expect", "expect-file");
    const result = verifyExtract(readText(args.positional[0], "extract"), {
      policy,
      ...(held === undefined ? {} : { held: readText(held, "--held") }),
      ...(expectSubjects.length === 0 ? {} : { expectSubjects }),
    });
    if (result._tag === "Left") {
      if (!isEvidenceFailure(result.left)) throw result.left;
      reportInvalid(io, json, FORMATS.extractReport, result.left);
      return EXIT.evidenceFails;
    }
    const r = result.right;
    if (json) printJson(io, FORMATS.extractReport, { ok: true, ...r });
    else {
      io.out(
        `OK  ${r.ledgerId}: complete as of the checkpoint of size ${r.checkpoint.size} signed by ${r.checkpoint.verifiedBy.join(", ")}\n`,
      );
      for (const s of r.subjects)
        io.out(
          s.member
            ? `    ${s.id}: ${s.count} events (seq ${s.events.join(", ")})\n`
            : `    ${s.id}: no event about this subject\n`,
        );
      for (const x of r.extends) io.out(`    extends the checkpoint of size ${x.size}\n`);
      if (r.held !== undefined)
        io.out(`    extends the checkpoint you hold (size ${r.held.size})\n`);
    }
    return EXIT.ok;
  },
};
