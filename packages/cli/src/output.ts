import { type DaichoError, isDaichoError } from "@daicho/core";

/** Where a command writes; injectable so tests can capture output. */
export interface Io {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  /** True when stderr is a terminal (progress is drawn only then). */
  readonly interactive: boolean;
  /** Milliseconds since some fixed point; defaults to `Date.now` (tests pass a fake clock). */
  readonly now?: () => number;
}

export const processIo: Io = {
  out: (text) => process.stdout.write(text),
  err: (text) => process.stderr.write(text),
  interactive: process.stderr.isTTY === true,
};

/**
 * The `format` member of every `--json` document, one versioned name per kind of output
 * (docs/auditor-guide.md "JSON output"). A consumer switches on it; a change of shape
 * gets a new version.
 */
export const FORMATS = {
  error: "daicho-error/v1",
  verifyReport: "daicho-verify-report/v1",
  keygen: "daicho-keygen/v1",
  checkpoint: "daicho-checkpoint/v1",
  checkpointReport: "daicho-checkpoint-report/v1",
  exportBundle: "daicho-export-bundle/v1",
  bundleReport: "daicho-bundle-report/v1",
  proofReport: "daicho-proof-report/v1",
  migrate: "daicho-migrate/v1",
  migrationSql: "daicho-migration-sql/v1",
  backup: "daicho-backup-result/v1",
  restore: "daicho-restore-result/v1",
  extract: "daicho-extract-result/v1",
  extractReport: "daicho-extract-report/v1",
} as const;

/** Print a value as one JSON document, `format` first. */
export function printJson(io: Io, format: string, value: Record<string, unknown>): void {
  io.out(`${JSON.stringify({ format, ...value }, null, 2)}\n`);
}

/** Report an error: typed errors as code/path/reason (JSON when asked), others as a message. */
export function reportError(io: Io, e: unknown, json: boolean): void {
  if (isDaichoError(e)) {
    if (json) printJson(io, FORMATS.error, { ok: false, error: e.toJSON() });
    else io.err(`daicho: ${e.message}\n`);
    return;
  }
  const message = e instanceof Error ? e.message : String(e);
  if (json)
    printJson(io, FORMATS.error, { ok: false, error: { code: "UNEXPECTED", reason: message } });
  else io.err(`daicho: unexpected error: ${message}\n`);
}

/** `m:ss` or `h:mm:ss`. */
function clock(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = String(s % 60).padStart(2, "0");
  return h > 0 ? `${h}:${String(m).padStart(2, "0")}:${ss}` : `${m}:${ss}`;
}

/**
 * One progress line: bar, percentage, count, rate (items per second) and the estimated
 * time left at that rate (`ETA --:--` until a rate is known).
 */
export function formatProgress(
  label: string,
  done: number,
  total: number,
  elapsedMs: number,
): string {
  const ratio = total > 0 ? Math.min(1, done / total) : 1;
  const width = 30;
  const filled = Math.round(ratio * width);
  const rate = elapsedMs > 0 ? (done * 1000) / elapsedMs : 0;
  const eta = rate > 0 ? clock(Math.max(0, total - done) / rate) : "--:--";
  return `${label} [${"#".repeat(filled)}${"-".repeat(width - filled)}] ${(ratio * 100).toFixed(1)}% ${done}/${total} ${Math.round(rate)}/s ETA ${eta}`;
}

/**
 * Progress for long runs on stderr, redrawn at most every 100 ms, with rate and ETA.
 * Silent unless stderr is a terminal and `enabled` (commands pass `!json`), so JSON
 * output and pipes never see it.
 */
export function progressBar(io: Io, label: string, total: number, enabled: boolean) {
  const now = io.now ?? Date.now;
  const start = now();
  let last = Number.NEGATIVE_INFINITY;
  const on = enabled && io.interactive;
  const draw = (done: number, force = false) => {
    if (!on) return;
    const t = now();
    if (!force && t - last < 100) return;
    last = t;
    io.err(`\r${formatProgress(label, done, total, t - start)}`);
  };
  return {
    update: (done: number) => draw(done),
    finish: (done: number) => {
      draw(done, true);
      if (on) io.err("\n");
    },
  };
}

/**
 * Progress for hashing events into a tree that the stored tree does not cover yet (the
 * total is known only once catch-up starts). Pass `onCatchUp` to `openLedgerTree`.
 */
export function catchUpProgress(io: Io, enabled: boolean) {
  let bar: ReturnType<typeof progressBar> | undefined;
  let done = 0;
  return {
    onCatchUp: (d: number, total: number) => {
      bar ??= progressBar(io, "building tree", total, enabled);
      done = d;
      bar.update(d);
    },
    finish: () => bar?.finish(done),
  };
}

/**
 * Report evidence that failed verification (exit 1 follows): the error as JSON under
 * `format`, or an `INVALID  CODE at path: reason` line.
 */
export function reportInvalid(io: Io, json: boolean, format: string, e: DaichoError): void {
  if (json) printJson(io, format, { ok: false, error: e.toJSON() });
  else io.out(`INVALID  ${e.code}${e.path ? ` at ${e.path}` : ""}: ${e.reason}\n`);
}
