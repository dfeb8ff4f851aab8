import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../../../", import.meta.url));

/** A worker process driven by lines on stdin, answering with lines on stdout. */
export interface LineChild {
  readonly child: ChildProcess;
  /** Write one command line to the worker. */
  send(line: string): void;
  /** The next stdout line starting with `prefix` (lines before it are dropped). */
  next(prefix: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the process ends, with its exit code or signal and stderr. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>;
}

/**
 * Start `worker` (a TypeScript file under `test/workers/`) as its own OS process with
 * Node + tsx, passing `args` as JSON in argv[2]. Used by the tests where a second process
 * shares a ledger or key-store file with the test (holds, caches, kills).
 */
export function spawnLineChild(worker: string, args: unknown): LineChild {
  const path = fileURLToPath(new URL(`./workers/${worker}`, import.meta.url));
  const child = spawn(process.execPath, ["--import", "tsx", path, JSON.stringify(args)], {
    cwd: ROOT,
    stdio: ["pipe", "pipe", "pipe"],
  });
  const lines: string[] = [];
  const waiting: { prefix: string; resolve: (l: string) => void; reject: (e: Error) => void }[] =
    [];
  let buffered = "";
  let stderr = "";
  let ended = false;
  const pump = () => {
    for (const w of [...waiting]) {
      const i = lines.findIndex((l) => l.startsWith(w.prefix));
      if (i !== -1) {
        const [line] = lines.splice(0, i + 1).slice(-1);
        waiting.splice(waiting.indexOf(w), 1);
        w.resolve(line as string);
      } else if (ended) {
        waiting.splice(waiting.indexOf(w), 1);
        w.reject(new Error(`worker ${worker} ended before "${w.prefix}": ${stderr}`));
      }
    }
  };
  child.stdout?.setEncoding("utf8").on("data", (chunk: string) => {
    buffered += chunk;
    const parts = buffered.split("\n");
    buffered = parts.pop() ?? "";
    lines.push(...parts);
    pump();
  });
  child.stderr?.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  const exited = once(child, "close").then(([code, signal]) => {
    ended = true;
    pump();
    return { code: code as number | null, signal: signal as NodeJS.Signals | null, stderr };
  });
  return {
    child,
    send: (line) => child.stdin?.write(`${line}\n`),
    next: (prefix, timeoutMs = 20_000) =>
      new Promise<string>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`no "${prefix}" from ${worker} in ${timeoutMs} ms: ${stderr}`)),
          timeoutMs,
        );
        waiting.push({
          prefix,
          resolve: (l) => {
            clearTimeout(timer);
            resolve(l);
          },
          reject: (e) => {
            clearTimeout(timer);
            reject(e);
          },
        });
        pump();
      }),
    exited,
  };
}
