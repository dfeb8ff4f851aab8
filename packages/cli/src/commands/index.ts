import { backupCommand } from "./backup";
import { checkpointCommand } from "./checkpoint";
import type { Command } from "./command";
import { consistencyCommand } from "./consistency";
import { exportBundleCommand } from "./export-bundle";
import { extractCommand } from "./extract";
import { keygenCommand } from "./keygen";
import { migrateCommand } from "./migrate";
import { proveCommand } from "./prove";
import { restoreCommand } from "./restore";
import { verifyCommand } from "./verify";
import { verifyBundleCommand } from "./verify-bundle";
import { verifyExtractCommand } from "./verify-extract";
import { verifyProofCommand } from "./verify-proof";

/** Every subcommand, in the order `daicho help` lists them. Add new commands here. */
export const COMMANDS: readonly Command[] = [
  verifyCommand,
  keygenCommand,
  checkpointCommand,
  proveCommand,
  consistencyCommand,
  exportBundleCommand,
  verifyBundleCommand,
  verifyProofCommand,
  extractCommand,
  verifyExtractCommand,
  migrateCommand,
  backupCommand,
  restoreCommand,
];
