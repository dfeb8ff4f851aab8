import { parseArgs as nodeParseArgs, type ParseArgsConfig } from "node:util";
import { DaichoError } from "@daicho/core";
import { didYouMean } from "./suggest";

/** One option a command accepts: a boolean flag or an option that takes a value. */
export interface OptionSpec {
  readonly type: "string" | "boolean";
  /** May be given more than once (the values are kept in order). */
  readonly multiple?: boolean;
  /** The value's placeholder in `--help` (`FILE`, `N`, …). */
  readonly value?: string;
  /** One line for `--help`. */
  readonly help: string;
}

/** The options of a command, by long name (without `--`). */
export type OptionSpecs = Readonly<Record<string, OptionSpec>>;

/** Parsed command line: positional arguments and `--flag` / `--key value` options. */
export interface Args {
  readonly positional: readonly string[];
  readonly flags: ReadonlySet<string>;
  /** Single-valued options (the value of a `multiple` option is its last one). */
  readonly options: ReadonlyMap<string, string>;
  /** Every value of each option, in order. */
  readonly lists: ReadonlyMap<string, readonly string[]>;
}

/** Options every command accepts. */
export const COMMON_OPTIONS: OptionSpecs = {
  json: { type: "boolean", help: "machine-readable output (one JSON document with a `format`)" },
  help: { type: "boolean", help: "show this help" },
};

const usageError = (reason: string, path: string) =>
  new DaichoError("INVALID_ARGUMENT", reason, { path });

/**
 * Parse `argv` strictly against `specs` (plus `--json` and `--help`/`-h`) with
 * `node:util.parseArgs` in strict mode. Unknown options (with a did-you-mean), a missing
 * value, a value given to a flag and a single-valued option given twice are
 * INVALID_ARGUMENT errors naming the option, so a misspelt `--jsno` never passes silently.
 */
export function parseArgs(argv: readonly string[], specs: OptionSpecs = {}): Args {
  const all: OptionSpecs = { ...specs, ...COMMON_OPTIONS };
  diagnose(argv, all);
  const options: ParseArgsConfig["options"] = {};
  for (const [name, spec] of Object.entries(all)) {
    options[name] = {
      type: spec.type,
      ...(spec.multiple === true ? { multiple: true } : {}),
      ...(name === "help" ? { short: "h" } : {}),
    };
  }
  let parsed: ReturnType<typeof nodeParseArgs>;
  try {
    parsed = nodeParseArgs({ args: [...argv], options, strict: true, allowPositionals: true });
  } catch (e) {
    // `diagnose` catches every case parseArgs refuses; this is the backstop.
    throw usageError(e instanceof Error ? e.message : String(e), "argv");
  }
  const flags = new Set<string>();
  const single = new Map<string, string>();
  const lists = new Map<string, string[]>();
  for (const [name, value] of Object.entries(parsed.values)) {
    if (value === true) flags.add(name);
    else if (typeof value === "string") {
      single.set(name, value);
      lists.set(name, [value]);
    } else if (Array.isArray(value)) {
      const strings = value.filter((v): v is string => typeof v === "string");
      lists.set(name, strings);
      const last = strings[strings.length - 1];
      if (last !== undefined) single.set(name, last);
    }
  }
  return { positional: parsed.positionals, flags, options: single, lists };
}

/** Walk the tokens first, to refuse bad input with a message that says how to fix it. */
function diagnose(argv: readonly string[], specs: OptionSpecs): void {
  const { tokens } = nodeParseArgs({
    args: [...argv],
    strict: false,
    allowPositionals: true,
    tokens: true,
    options: Object.fromEntries(
      Object.entries(specs).map(([n, s]) => [
        n,
        { type: s.type, ...(n === "help" ? { short: "h" } : {}) },
      ]),
    ),
  });
  const seen = new Set<string>();
  for (const token of tokens) {
    if (token.kind !== "option") continue;
    const spec = specs[token.name];
    const shown = token.rawName;
    if (spec === undefined) {
      const hint = didYouMean(token.name, Object.keys(specs));
      throw usageError(
        `unknown option ${shown}${hint === undefined ? "" : ` (did you mean --${hint}?)`}; see --help`,
        shown,
      );
    }
    // A separate value that starts with '-' is another option, as strict parseArgs sees it.
    const separate = token.inlineValue === false;
    if (
      spec.type === "string" &&
      (token.value === undefined || (separate && token.value.startsWith("-")))
    ) {
      throw usageError(
        `${shown} needs a value: ${shown} ${spec.value ?? "VALUE"} (a value that starts with '-' is written ${shown}=VALUE)`,
        shown,
      );
    }
    if (spec.type === "boolean" && token.value !== undefined)
      throw usageError(`${shown} takes no value`, shown);
    if (spec.type === "string" && spec.multiple !== true && seen.has(token.name)) {
      throw usageError(`${shown} is given twice; give it once`, shown);
    }
    seen.add(token.name);
  }
}
