import { COMMANDS } from "./commands/index";
import { type Io, processIo, reportError } from "./output";

/** Run the CLI; returns the exit code (0 ok, 1 verification failed, 2 bad usage or input). */
export async function main(argv: readonly string[], io: Io = processIo): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === "help" || name === "--help" || name === "-h") {
    io.out(
      `daicho — Daichō compliance ledger tools\n\nCommands:\n${COMMANDS.map((c) => `  ${c.summary}`).join("\n")}\n`,
    );
    return name === undefined ? 2 : 0;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    io.err(`daicho: unknown command '${name}' (try 'daicho help')\n`);
    return 2;
  }
  try {
    return await command.run(rest, io);
  } catch (e) {
    reportError(io, e, rest.includes("--json"));
    return 2;
  }
}
