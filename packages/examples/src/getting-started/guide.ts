/**
 * docs/getting-started.md, runnable in this workspace: `pnpm example:getting-started [dir]`.
 * The program is extracted from the guide's Markdown (the extraction the consumer test
 * uses in its scratch app, scripts/consumer-test/guide.mjs), so the guide and this example
 * cannot drift. It runs with `dir` as its working folder; its files land in
 * `dir/daicho-data`.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { generateKey } from "@daicho/core/checkpoint";
import { guideSteps } from "../../../../scripts/consumer-test/guide.mjs";

const guideFile = fileURLToPath(new URL("../../../../docs/getting-started.md", import.meta.url));
/** Where the extracted program is written (git-ignored): beside this file, so it resolves `@daicho/*` as the examples do. */
const programFile = fileURLToPath(new URL("./.guide-program.ts", import.meta.url));

/** The guide's program, verbatim. */
export function guideProgram(): string {
  const step = guideSteps(readFileSync(guideFile, "utf8")).find(
    (s) => s.kind === "file" && s.file === "getting-started.ts",
  );
  if (step === undefined) throw new Error("docs/getting-started.md has no getting-started.ts");
  return step.text;
}

/**
 * Run the guide's program in `dir`: first the guide's `daicho keygen … --out
 * daicho-data/log.key` step (the same `generateKey` the CLI calls), then the program.
 */
export async function runGuide(dir: string): Promise<void> {
  const data = join(dir, "daicho-data");
  mkdirSync(data, { recursive: true });
  if (!existsSync(join(data, "log.key"))) {
    const { privateKey, verifierKey } = generateKey("crm.example.com/ledger");
    writeFileSync(join(data, "log.key"), `${privateKey}\n`, { mode: 0o600 });
    writeFileSync(join(data, "log.key.vkey"), `${verifierKey}\n`);
  }
  writeFileSync(programFile, guideProgram());
  const cwd = process.cwd();
  process.chdir(dir);
  try {
    await import(pathToFileURL(programFile).href);
  } finally {
    process.chdir(cwd);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const dir = process.argv[2] ?? mkdtempSync(join(tmpdir(), "daicho-start-"));
  await runGuide(dir);
  console.log(
    `files in ${join(dir, "daicho-data")}; try: pnpm exec daicho verify ${join(dir, "daicho-data/ledger.db")}`,
  );
}
