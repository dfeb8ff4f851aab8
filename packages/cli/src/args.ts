import { DaichoError } from "@daicho/core";

/** Parsed command line: positional arguments and `--flag` / `--key value` options. */
export interface Args {
  readonly positional: readonly string[];
  readonly flags: ReadonlySet<string>;
  readonly options: ReadonlyMap<string, string>;
}

/**
 * Parse `argv` for a command whose value-taking options are `valued`; every other
 * `--name` is a boolean flag. `--key=value` works too.
 */
export function parseArgs(argv: readonly string[], valued: readonly string[] = []): Args {
  const positional: string[] = [];
  const flags = new Set<string>();
  const options = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--") {
      positional.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith("--")) {
      positional.push(arg);
      continue;
    }
    const eq = arg.indexOf("=");
    const name = eq === -1 ? arg.slice(2) : arg.slice(2, eq);
    if (eq !== -1) options.set(name, arg.slice(eq + 1));
    else if (valued.includes(name)) {
      const value = argv[i + 1];
      if (value === undefined) {
        throw new DaichoError("INVALID_ARGUMENT", `--${name} needs a value`, { path: `--${name}` });
      }
      options.set(name, value);
      i++;
    } else flags.add(name);
  }
  return { positional, flags, options };
}
