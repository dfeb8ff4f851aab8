import type { Command } from "./command";
import { verifyCommand } from "./verify";

/** Every subcommand, in the order `daicho help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [verifyCommand];
