import { type ChildProcess, fork } from "node:child_process";

/**
 * Bench processes of their own (`map-checkpoint`'s arms, `checkpointer`'s checkpointer):
 * the parent's side (`forkChild`) and the child's (`toParent`, `runChild`). A child
 * answers each message with one message, or `{ error }` with the stack.
 */

/** A forked child with the parent's exec flags; `next` resolves with its next message. */
export interface Child {
  readonly process: ChildProcess;
  next(): Promise<Record<string, unknown>>;
}

/** Fork `script` with `env` added; `what` names it in errors. */
export function forkChild(script: string, env: Record<string, string>, what: string): Child {
  const child = fork(script, [], { env: { ...process.env, ...env }, execArgv: process.execArgv });
  return {
    process: child,
    next: () =>
      new Promise((resolve, reject) => {
        const onExit = (code: number | null) => reject(new Error(`${what} exited (${code})`));
        child.once("exit", onExit);
        child.once("message", (m: Record<string, unknown>) => {
          child.off("exit", onExit);
          if (typeof m.error === "string") reject(new Error(`${what}: ${m.error}`));
          else resolve(m);
        });
      }),
  };
}

/** Send `m` to the parent. */
export const toParent = (m: unknown): boolean => (process.send as (m: unknown) => boolean)(m);

/** Report a failure to the parent as `{ error }`, with its stack. */
export const reportError = (e: unknown): boolean =>
  toParent({ error: e instanceof Error ? e.stack : String(e) });

/** Run a child's `main`, reporting a failure to the parent. */
export function runChild(main: () => Promise<void>): void {
  main().catch((e: unknown) => {
    reportError(e);
    process.exitCode = 1;
  });
}
