import { main } from "../src/main";

/** Run the CLI in this process with captured output (no terminal, so no progress bar). */
export async function run(...argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = "";
  let err = "";
  const code = await main(argv, {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    interactive: false,
  });
  return { code, out, err };
}
