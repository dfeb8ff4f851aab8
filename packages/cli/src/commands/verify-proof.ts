import { readFileSync } from "node:fs";
import { DaichoError, eventHash } from "@daicho/core";
import { verifyProofFile } from "@daicho/core/bundle";
import type { Args } from "../args";
import { TRUST_OPTIONS, trustPolicy } from "../auditor";
import { EXIT, isEvidenceFailure } from "../exit";
import { FORMATS, type Io, printJson, reportInvalid } from "../output";
import type { Command } from "./command";

/** Read a file given on the command line as bytes; NOT_FOUND names the option. */
function readBytes(file: string | undefined, what: string): Uint8Array {
  if (file === undefined)
    throw new DaichoError("INVALID_ARGUMENT", `name the ${what} file`, { path: what });
  try {
    return readFileSync(file);
  } catch (e) {
    throw new DaichoError("NOT_FOUND", `cannot read the ${what} file`, { path: file, cause: e });
  }
}

/** The event the auditor holds: its hash, given or computed from its exact stored bytes. */
function heldEvent(args: Args): string | undefined {
  const hash = args.options.get("event-hash");
  const body = args.options.get("event-body");
  if (hash !== undefined && body !== undefined) {
    throw new DaichoError("INVALID_ARGUMENT", "give --event-body or --event-hash, not both", {
      path: "--event-hash",
    });
  }
  if (hash !== undefined) {
    if (!/^[0-9a-f]{64}$/.test(hash))
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "--event-hash needs 64 lower-case hex digits (the event hash `daicho verify` or a bundle shows)",
        { path: "--event-hash" },
      );
    return hash;
  }
  if (body === undefined) return undefined;
  const bytes = readBytes(body, "--event-body");
  let text: string;
  try {
    // Exact bytes: a byte-order mark is kept (and would not hash to the stored event).
    text = new TextDecoder("utf-8", { fatal: true, ignoreBOM: true }).decode(bytes);
  } catch {
    throw new DaichoError("INVALID_ARGUMENT", "the event body is not UTF-8", {
      path: "--event-body",
    });
  }
  return eventHash(text);
}

export const verifyProofCommand: Command = {
  name: "verify-proof",
  usage:
    "verify-proof <proof.json> --checkpoint FILE [--checkpoint FILE] --vkey K [--threshold k] [--event-body FILE | --event-hash H] [--json]",
  summary: "check a proof file from `prove --json` or `consistency --json` with no ledger",
  details: `Size and root come from the signed checkpoint(s), never from the file: an inclusion
proof needs the checkpoint it was made for; a consistency proof needs the checkpoints
at both of its sizes (--checkpoint twice). With --event-body (the event's exact stored
bytes, no added newline) or --event-hash, the proof must be about that event.
Exit 1 when the proof does not verify; 2 when the proof file itself is malformed.`,
  options: {
    ...TRUST_OPTIONS,
    checkpoint: {
      type: "string",
      multiple: true,
      value: "FILE",
      help: "a signed checkpoint (once for inclusion, at both sizes for consistency)",
    },
    "event-body": {
      type: "string",
      value: "FILE",
      help: "the event's exact stored bytes: the proof must be about it",
    },
    "event-hash": {
      type: "string",
      value: "H",
      help: "the event's hash: the proof must be about it",
    },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const policy = trustPolicy(args);
    const checkpoints = (args.lists.get("checkpoint") ?? []).map((f) =>
      readBytes(f, "--checkpoint"),
    );
    if (checkpoints.length === 0) {
      throw new DaichoError(
        "INVALID_ARGUMENT",
        "name the signed checkpoint the proof is checked against: --checkpoint FILE",
        { path: "--checkpoint" },
      );
    }
    const eventHashHeld = heldEvent(args);
    const proof = readBytes(args.positional[0], "proof");
    const result = verifyProofFile(proof, {
      policy,
      checkpoints,
      ...(eventHashHeld === undefined ? {} : { eventHash: eventHashHeld }),
    });
    if (result._tag === "Left") {
      if (!isEvidenceFailure(result.left)) throw result.left;
      reportInvalid(io, json, FORMATS.proofReport, result.left);
      return EXIT.evidenceFails;
    }
    const r = result.right;
    if (json) printJson(io, FORMATS.proofReport, { ok: true, ...r });
    else if (r.kind === "inclusion") {
      const about = r.eventChecked ? "the event you hold" : `the event with hash ${r.eventHash}`;
      io.out(
        `OK  ${r.ledgerId}: ${about} is event ${r.seq} of the log of size ${r.treeSize} (root ${r.root}) signed by ${r.verifiedBy.join(", ")}\n`,
      );
      if (!r.eventChecked)
        io.out("    only the hash is proven: give --event-body to check the event's bytes too\n");
    } else {
      io.out(
        `OK  ${r.ledgerId}: the log of size ${r.newSize} (signed by ${r.verifiedBy.new.join(", ")}) extends the one of size ${r.oldSize} (signed by ${r.verifiedBy.old.join(", ")})\n`,
      );
    }
    return EXIT.ok;
  },
};
