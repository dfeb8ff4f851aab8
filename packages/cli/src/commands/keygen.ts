import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { generateKey } from "@daicho/core/checkpoint";
import { parseArgs } from "../args";
import { type Io, printJson } from "../output";
import type { Command } from "./command";

export const keygenCommand: Command = {
  name: "keygen",
  summary:
    "keygen <key-name> --out FILE [--json]: new Ed25519 note key; writes FILE (secret, 0600) and FILE.vkey",
  async run(argv: readonly string[], io: Io): Promise<number> {
    const args = parseArgs(argv, ["out"]);
    const name = args.positional[0];
    const out = args.options.get("out");
    if (name === undefined || out === undefined) {
      throw new DaichoError("INVALID_ARGUMENT", "usage: daicho keygen <key-name> --out FILE", {
        path: "argv",
      });
    }
    if (existsSync(out))
      throw new DaichoError("INVALID_ARGUMENT", "refusing to overwrite an existing key file", {
        path: out,
      });
    const { privateKey, verifierKey } = generateKey(name);
    writeFileSync(out, `${privateKey}\n`, { mode: 0o600, flag: "wx" });
    chmodSync(out, 0o600);
    writeFileSync(`${out}.vkey`, `${verifierKey}\n`);
    if (args.flags.has("json")) printJson(io, { ok: true, keyFile: out, verifierKey });
    else io.out(`${verifierKey}\n`);
    return 0;
  },
};
