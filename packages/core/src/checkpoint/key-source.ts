import * as E from "fp-ts/lib/Either.js";
import { DaichoError } from "../errors";
import { cosignerFromKeyText, type LocalSigner, signerFromKeyText } from "./signer";

/** The environment variable the default signer reads when no key file is named. */
export const SIGNING_KEY_ENV = "DAICHO_SIGNING_KEY";

/**
 * The default signer: an Ed25519 private-key text (`PRIVATE+KEY+…`) read from `file`,
 * or else from the environment variable `env` (default `DAICHO_SIGNING_KEY`). Rejects
 * with KEY_UNAVAILABLE when neither is set or the file cannot be read, and
 * INVALID_ARGUMENT when the text is not a valid key. The key text never appears in errors.
 * With `witness: true` the result signs timestamped cosignature/v1 lines (type 0x04).
 */
export async function loadSigner(
  options: {
    file?: string;
    env?: string;
    environment?: Record<string, string | undefined>;
    /** When true, build a cosignature/v1 witness signer from the key (see `cosignerFromKeyText`). */
    witness?: boolean;
  } = {},
): Promise<LocalSigner> {
  let text: string | undefined;
  let source: string;
  if (options.file !== undefined) {
    source = options.file;
    const { readFile } = await import("node:fs/promises");
    try {
      text = await readFile(options.file, "utf8");
    } catch (e) {
      throw new DaichoError("KEY_UNAVAILABLE", "cannot read the signing key file", {
        path: source,
        cause: e,
      });
    }
  } else {
    const name = options.env ?? SIGNING_KEY_ENV;
    source = `$${name}`;
    text = (options.environment ?? process.env)[name];
    if (text === undefined || text.trim() === "") {
      throw new DaichoError("KEY_UNAVAILABLE", `no signing key: pass a key file or set ${name}`, {
        path: source,
      });
    }
  }
  const signer = options.witness === true ? cosignerFromKeyText(text) : signerFromKeyText(text);
  if (E.isLeft(signer))
    throw new DaichoError("INVALID_ARGUMENT", signer.left.reason, { path: source });
  return signer.right;
}
