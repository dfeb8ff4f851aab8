import type { Args, OptionSpecs } from "../args";
import type { Io } from "../output";

/**
 * One CLI subcommand. `main` parses the command line strictly against `options` (plus
 * `--json` and `--help`) before `run` sees it. `run` resolves with the exit code (see
 * `exit.ts`): 0 verified or done, 1 the evidence fails verification, 2 usage or input
 * error; a thrown error is mapped there too.
 */
export interface Command {
  readonly name: string;
  /** The short usage line, after `daicho `. */
  readonly usage: string;
  /** One sentence: what it does. */
  readonly summary: string;
  /** Longer help (what it proves, what it touches), shown by `--help`. */
  readonly details?: string;
  readonly options: OptionSpecs;
  run(args: Args, io: Io): Promise<number>;
}
