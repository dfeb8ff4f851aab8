import type { Io } from "../output";

/** One CLI subcommand. Exit code 0 = verified/succeeded, 1 = verification failed, 2 = usage or input error. */
export interface Command {
  readonly name: string;
  readonly summary: string;
  run(argv: readonly string[], io: Io): Promise<number>;
}
