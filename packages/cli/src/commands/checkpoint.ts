import { writeFileSync } from "node:fs";
import { DaichoError, isDaichoError } from "@daicho/core";
import {
  cosignCheckpoint,
  emitCheckpoint,
  loadSigner,
  parseCheckpoint,
  parseNote,
  storeCosignatures,
  toBase64,
  verifyCheckpoint,
} from "@daicho/core/checkpoint";
import type { Args } from "../args";
import { orThrow, readText, TRUST_OPTIONS, trustPolicy } from "../auditor";
import { EXIT, isEvidenceFailure } from "../exit";
import { LEDGER_OPTIONS, ledgerLocation, openLedgerTree } from "../open";
import { FORMATS, type Io, printJson, reportInvalid } from "../output";
import type { Command } from "./command";

function describe(note: string) {
  const body = orThrow(parseCheckpoint(orThrow(parseNote(note)).text));
  return { origin: body.origin, size: body.size, root: toBase64(body.root) };
}

function emitText(io: Io, args: Args, note: string, extra: Record<string, unknown> = {}): void {
  const out = args.options.get("out");
  if (out !== undefined) writeFileSync(out, note);
  if (args.flags.has("json"))
    printJson(io, FORMATS.checkpoint, { ok: true, ...describe(note), ...extra, note });
  else io.out(note);
}

/** A witness timestamp as ISO 8601 UTC, or "invalid date" beyond the Date range. */
function witnessTime(seconds: number): string {
  const d = new Date(seconds * 1000);
  return Number.isNaN(d.getTime()) ? "invalid date" : d.toISOString();
}

export const checkpointCommand: Command = {
  name: "checkpoint",
  usage:
    "checkpoint <ledger> [--key FILE] [--latest] [--add-cosignatures FILE] [--out FILE] | checkpoint --verify FILE --vkey K [--threshold k] | checkpoint --cosign FILE --key FILE [--vkey K] [--witness]",
  summary:
    "emit, print, co-sign (as a C2SP cosignature/v1 witness with --witness) or verify a signed checkpoint",
  details: `Operator side (writes the ledger's tree and stores the checkpoint): \`checkpoint <ledger>\`
and \`--add-cosignatures\`. Auditor side (never writes the ledger): \`--verify\`, \`--cosign\`
and \`--latest\`.`,
  options: {
    ...LEDGER_OPTIONS,
    ...TRUST_OPTIONS,
    key: { type: "string", value: "FILE", help: "private key file (or DAICHO_SIGNING_KEY)" },
    "key-env": {
      type: "string",
      value: "NAME",
      help: "environment variable holding the private key",
    },
    out: { type: "string", value: "FILE", help: "also write the note to FILE" },
    latest: { type: "boolean", help: "print the latest stored checkpoint (read-only)" },
    "add-cosignatures": {
      type: "string",
      value: "FILE",
      help: "store the extra signature lines of a co-signed copy (operator)",
    },
    verify: { type: "string", value: "FILE", help: "verify FILE against --vkey/--threshold" },
    cosign: { type: "string", value: "FILE", help: "add your signature line to FILE (with --key)" },
    witness: { type: "boolean", help: "with --cosign: sign as a C2SP cosignature/v1 witness" },
  },
  async run(args: Args, io: Io): Promise<number> {
    const json = args.flags.has("json");
    const verifyFile = args.options.get("verify");
    if (verifyFile !== undefined) {
      const result = verifyCheckpoint(readText(verifyFile, "checkpoint"), trustPolicy(args));
      if (result._tag === "Left") {
        if (!isEvidenceFailure(result.left)) throw result.left;
        reportInvalid(io, json, FORMATS.checkpointReport, result.left);
        return EXIT.evidenceFails;
      }
      const { checkpoint, verifiedBy, unknown, cosignatures } = result.right;
      const summary = {
        origin: checkpoint.origin,
        size: checkpoint.size,
        root: toBase64(checkpoint.root),
        verifiedBy,
        unknownSigners: unknown.map((u) => u.name),
        witnessCosignatures: cosignatures.map((c) => ({
          name: c.name,
          timestamp: c.timestamp,
          time: witnessTime(c.timestamp),
        })),
      };
      if (json) printJson(io, FORMATS.checkpointReport, { ok: true, ...summary });
      else {
        io.out(
          `OK  ${checkpoint.origin} size ${checkpoint.size} root ${summary.root}; signed by ${verifiedBy.join(", ")}\n`,
        );
        for (const c of summary.witnessCosignatures)
          io.out(`    cosignature/v1 by ${c.name} at ${c.time} (${c.timestamp})\n`);
      }
      return EXIT.ok;
    }
    const signerOptions = () => {
      const file = args.options.get("key");
      const env = args.options.get("key-env");
      return file !== undefined ? { file } : env !== undefined ? { env } : {};
    };
    const cosignFile = args.options.get("cosign");
    if (args.flags.has("witness") && cosignFile === undefined) {
      throw new DaichoError("INVALID_ARGUMENT", "--witness applies only with --cosign", {
        path: "--witness",
      });
    }
    if (cosignFile !== undefined) {
      const witness = args.flags.has("witness");
      const signer = await loadSigner({ ...signerOptions(), witness });
      const policy = args.options.has("vkey") ? trustPolicy(args) : undefined;
      try {
        emitText(
          io,
          args,
          await cosignCheckpoint(readText(cosignFile, "checkpoint"), signer, policy),
          // A witness hands its cosignature/v1 verifier key (type 0x04) to relying parties.
          witness ? { witnessVerifierKey: signer.verifierKey } : {},
        );
        if (witness && !json)
          io.err(`witness verifier key (cosignature/v1): ${signer.verifierKey}\n`);
      } catch (e) {
        if (isDaichoError(e) && isEvidenceFailure(e)) {
          if (json) printJson(io, FORMATS.checkpoint, { ok: false, error: e.toJSON() });
          else io.out(`REFUSED  ${e.code}: ${e.reason}\n`);
          return EXIT.evidenceFails;
        }
        throw e;
      }
      return EXIT.ok;
    }
    // Emitting or co-signing stores a checkpoint; printing the latest only reads.
    const { ledger, tree, close } = await openLedgerTree(ledgerLocation(args), {
      write: !args.flags.has("latest"),
    });
    try {
      const cosignatures = args.options.get("add-cosignatures");
      if (cosignatures !== undefined) {
        const stored = await storeCosignatures(tree, readText(cosignatures, "checkpoint"));
        emitText(io, args, stored.note);
        return EXIT.ok;
      }
      if (args.flags.has("latest")) {
        const latest = await tree.store.latestCheckpoint();
        if (latest === undefined)
          throw new DaichoError("NOT_FOUND", "no checkpoint has been emitted for this ledger");
        emitText(io, args, latest.note, { createdAt: latest.createdAt });
        return EXIT.ok;
      }
      const signer = await loadSigner(signerOptions());
      const stored = await emitCheckpoint(tree, signer, ledger.ledgerId);
      emitText(io, args, stored.note, { createdAt: stored.createdAt });
      return EXIT.ok;
    } finally {
      await close();
    }
  },
};
