import { isDaichoError } from "@daicho/core";

/** Where a command writes; injectable so tests can capture output. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** True when stderr is a terminal (progress bars are drawn only then). */
  readonly interactive: boolean;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/** Print a value as one JSON document. */
export function printJson(io: Io, value: unknown): void {
  io.out(`${JSON.stringify(value, null, 2)}\n`);
}

/** Report an error: typed errors as code/path/reason (JSON when asked), others as a message. */
export function reportError(io: Io, e: unknown, json: boolean): void {
  if (isDaichoError(e)) {
    if (json) printJson(io, { ok: false, error: e.toJSON() });
    else io.err(`daicho: ${e.message}\n`);
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  if (json) printJson(io, { ok: false, error: { code: "UNEXPECTED", reason: message } });
  else io.err(`daicho: unexpected error: ${message}\n`);
}

/**
 * A progress bar on stderr for long runs, redrawn at most every 100 ms. Silent when
 * stderr is not a terminal or when output is JSON.
 */
export function progressBar(io: Io, label: string, total: number, enabled: boolean) {
  let last = 0;
  const draw = (done: number, force = false) => {
    if (!enabled || !io.interactive) return;
    const now = Date.now();
    if (!force && now - last < 100) return;
    last = now;
    const ratio = total > 0 ? Math.min(1, done / total) : 1;
    const width = 30;
    const filled = Math.round(ratio * width);
    io.err(
      `\r${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(ratio * 100).toFixed(1)}% ${done}/${total}`,
    );
  };
  return {
    update: (done: number) => draw(done),
    finish: (done: number) => {
      draw(done, true);
      if (enabled && io.interactive) io.err("\n");
    },
  };
}
