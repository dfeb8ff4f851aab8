import { writeFileSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { exportExtract, formatExtract } from "@daicho/core/extract";
import type { Args } from "../args";
import { readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { EXIT } from "../exit";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { catchUpProgress, FORMATS, type Io, printJson } from "../output";
import type { Command } from "./command";

/** The subject ids named by `--subject` (repeatable) and `--subjects FILE` (one id a line). */
export function subjectList(args: Args, listOption: string, fileOption: string): string[] {
  const ids = [...(args.lists.get(listOption) ?? [])];
  const file = args.options.get(fileOption);
  if (file !== undefined)
    for (const line of readText(file, `--${fileOption}`).split("\n"))
      if (line.trim() !== "") ids.push(line.replace(/\r$/, ""));
  return ids;
}

export const extractCommand: Command = {
  name: "extract",
  usage:
    "extract <ledger> [--tenant T] (--subject ID … | --subjects FILE) [--checkpoint FILE] [--since FILE[,FILE…]] --vkey K [--threshold k] [--reveal-shared] --out extract.json [--json]",
  summary: "write a verifiable extract: every event about some subjects, proved complete",
  details: `Reads the ledger read-only and writes only the --out file: for each subject, its
entry in the subject map the checkpoint signs (or a proof that the ledger holds nothing
about it), every event about it and one inclusion multi-proof (docs/spec.md §12.6). The
extract is verified as verify-extract will verify it, against --vkey, before it is written.
An event that also names a subject not asked for would reveal that person's id: refused
(exit 2) unless --reveal-shared is given (docs/spec.md §12.7).`,
  options: {
    ...LEDGER_OPTIONS,
    subject: { type: "string", multiple: true, value: "ID", help: "a subject id (repeatable)" },
    subjects: { type: "string", value: "FILE", help: "a file of subject ids, one a line" },
    checkpoint: {
      type: "string",
      value: "FILE",
      help: "the checkpoint to anchor to (default the latest stored)",
    },
    since: {
      type: "string",
      value: "FILE[,FILE…]",
      help: "older checkpoints to add consistency proofs from",
    },
    "reveal-shared": {
      type: "boolean",
      help: "write events that also name other subjects (their ids are revealed)",
    },
    out: { type: "string", value: "FILE", help: "the extract file to write" },
    ...TRUST_OPTIONS,
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const out = args.options.get("out");
    const subjects = subjectList(args, "subject", "subjects");
    if (out === undefined || subjects.length === 0) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "usage: daicho extract <ledger.db> --subject ID [--subject ID…] --vkey K --out FILE",
      );
    }
    const policy = trustPolicy(args);
    const progress = catchUpProgress(io, !json);
    const { ledger, tree, close } = await openLedgerTree(ledgerLocation(args), progress);
    progress.finish();
    try {
      const cpFile = args.options.get("checkpoint");
      const since = args.options.get("since");
      const extract = await exportExtract(tree, ledger.ledgerId, {
        subjects,
        ...(cpFile === undefined ? {} : { checkpoint: readText(cpFile, "checkpoint") }),
        older: since === undefined ? [] : since.split(",").map((f) => readText(f, "--since")),
        policy,
        shared: args.flags.has("reveal-shared") ? "reveal" : "refuse",
      });
      writeFileSync(out, formatExtract(extract));
      const summary = {
        ok: true,
        file: out,
        ledgerId: ledger.ledgerId,
        subjects: extract.subjects.length,
        members: extract.subjects.filter((s) => "entry" in s).length,
        events: extract.events.length,
      };
      if (json) printJson(io, FORMATS.extract, summary);
      else
        io.out(
          `wrote ${out}: ${summary.events} events about ${summary.members} of ${summary.subjects} subjects of ${ledger.ledgerId}, with their map entries and proofs\n`,
        );
      return EXIT.ok;
    } finally {
      await close();
    }
  },
};
