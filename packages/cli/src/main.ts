import { readFileSync } from "node:fs";
import { COMMON_OPTIONS, parseArgs } from "./args";
import type { Command } from "./commands/command";
import { COMMANDS } from "./commands/index";
import { EXIT, EXIT_CODES_HELP, exitCodeOf } from "./exit";
import { type Io, processIo, reportError } from "./output";
import { didYouMean } from "./suggest";

/** The package version (the same relative path from `src/` and from `dist/`). */
function version(): string {
  const pkg = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")) as {
    version?: string;
  };
  return pkg.version ?? "unknown";
}

function overview(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `daicho — Daichō compliance ledger tools

Usage: daicho <command> [options]     daicho <command> --help     daicho --version

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join("\n")}

${EXIT_CODES_HELP}`;
}

/** `daicho <command> --help`: usage line, summary, details and every option. */
export function commandHelp(command: Command): string {
  const entries = Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, spec]) => {
    const short = name === "help" ? "-h, " : "";
    const value = spec.type === "string" ? ` ${spec.value ?? "VALUE"}` : "";
    return [`${short}--${name}${value}`, spec.help + (spec.multiple ? " (repeatable)" : "")];
  });
  const width = Math.max(...entries.map(([left]) => (left as string).length));
  return `Usage: daicho ${command.usage}

${command.summary}
${command.details === undefined ? "" : `\n${command.details.trimEnd()}\n`}
Options:
${entries.map(([l, r]) => `  ${(l as string).padEnd(width)}  ${r}`).join("\n")}

${EXIT_CODES_HELP}`;
}

/** Run the CLI; resolves with the exit code (0 ok, 1 verification failed, 2 bad usage or input). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined) {
    io.err(overview());
    return EXIT.usage;
  }
  if (name === "help" || name === "--help" || name === "-h") {
    const topic = rest[0] === undefined ? undefined : COMMANDS.find((c) => c.name === rest[0]);
    io.out(topic === undefined ? overview() : commandHelp(topic));
    return EXIT.ok;
  }
  if (name === "--version" || name === "-V" || name === "version") {
    io.out(`daicho ${version()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const hint = didYouMean(
      name,
      COMMANDS.map((c) => c.name),
    );
    io.err(
      `daicho: unknown command '${name}'${hint === undefined ? "" : ` (did you mean '${hint}'?)`}; 'daicho --help' lists the commands\n`,
    );
    return EXIT.usage;
  }
  const json = rest.includes("--json");
  try {
    const args = parseArgs(rest, command.options);
    if (args.flags.has("help")) {
      io.out(commandHelp(command));
      return EXIT.ok;
    }
    return await command.run(args, io);
  } catch (e) {
    reportError(io, e, json);
    return exitCodeOf(e);
  }
}
