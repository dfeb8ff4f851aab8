import { chmodSync, existsSync, writeFileSync } from "node:fs";
import { DaichoError } from "@daicho/core";
import { generateKey } from "@daicho/core/checkpoint";
import type { Args } from "../args";
import { EXIT } from "../exit";
import { FORMATS, type Io, printJson } from "../output";
import type { Command } from "./command";

export const keygenCommand: Command = {
  name: "keygen",
  usage: "keygen <key-name> --out FILE [--json]",
  summary: "make an Ed25519 note key: FILE (secret, mode 0600) and FILE.vkey (to hand out)",
  options: {
    out: {
      type: "string",
      value: "FILE",
      help: "where to write the private key (never overwritten)",
    },
  },
  async run(args: Args, io: Io): Promise<number> {
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
    if (args.flags.has("json"))
      printJson(io, FORMATS.keygen, { ok: true, keyFile: out, verifierKey });
    else io.out(`${verifierKey}\n`);
    return EXIT.ok;
  },
};
