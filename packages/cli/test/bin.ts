import { execFile } from "node:child_process";
import { promisify } from "node:util";

/**
 * The built `daicho` binary (run `pnpm run build` first). `DAICHO_TEST_BIN` points the
 * tests at another build, e.g. an older checkout's, to show that a test fails there.
 */
export const BIN =
  process.env.DAICHO_TEST_BIN ?? new URL("../bin/daicho.js", import.meta.url).pathname;

/**
 * Run the built `daicho` binary; resolves with the exit code and output even when it
 * fails. `asUser` runs it as that OS user (`runuser -u`), so that permission bits hold
 * even when the tests run as root.
 */
export async function daicho(
  argv: readonly string[],
  options: { asUser?: string; cwd?: string; env?: Readonly<Record<string, string>> } = {},
): Promise<{ code: number; out: string; err: string }> {
  const [file, args] =
    options.asUser === undefined
      ? [process.execPath, [BIN, ...argv]]
      : ["runuser", ["-u", options.asUser, "--", process.execPath, BIN, ...argv]];
  const env = { ...process.env, ...options.env };
  delete env.DAICHO_SIGNING_KEY;
  try {
    const { stdout, stderr } = await promisify(execFile)(file, args, {
      ...(options.cwd === undefined ? {} : { cwd: options.cwd }),
      env,
    });
    return { code: 0, out: stdout, err: stderr };
  } catch (e) {
    const x = e as { code?: number; stdout?: string; stderr?: string };
    return {
      code: typeof x.code === "number" ? x.code : -1,
      out: x.stdout ?? "",
      err: x.stderr ?? "",
    };
  }
}
