import type { Worker } from "node:worker_threads";
import { DaichoError } from "./errors";

/**
 * `node:worker_threads`' Worker, reached only when workers are asked for (as `sha256.ts`
 * reaches `node:crypto`), so that importing the library needs no Node built-in. Undefined
 * where the runtime has no worker threads (browsers, some edge runtimes).
 */
export function workerClass(): typeof Worker | undefined {
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process;
  const threads = proc?.getBuiltinModule?.("node:worker_threads") as
    | { Worker?: typeof Worker }
    | undefined;
  return threads?.Worker;
}

/**
 * Start the worker thread whose script is `name` (`verify-worker`, `append-worker`) beside
 * this module: the built `.js` in a package (tsup builds each as its own entry); under the
 * tests, which run the `.ts` sources, a worker that registers tsx and then imports the
 * source. Throws `INVALID_ARGUMENT` (naming `option`) where the runtime has no workers.
 */
export function startWorker(name: string, option: string): Worker {
  const Worker = workerClass();
  if (Worker === undefined) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      `this runtime has no worker threads: leave \`${option}\` out or set it to 1`,
      { path: option },
    );
  }
  const here = import.meta.url;
  if (!here.endsWith(".ts")) return new Worker(new URL(`./${name}.js`, here));
  const url = new URL(`./${name}.ts`, here);
  return new Worker(
    `import("tsx/esm/api").then((m) => { m.register(); return import(${JSON.stringify(url.href)}); });`,
    { eval: true },
  );
}
