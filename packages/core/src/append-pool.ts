import type { Worker } from "node:worker_threads";
import type { AppendJob, AppendJobResult, PreparedParts } from "./append-worker";
import { DaichoError } from "./errors";
import { startWorker } from "./worker-threads";

/** The fewest inputs one worker is given: below this, the message costs more than it saves. */
const MIN_SLICE = 32;

interface Thread {
  readonly worker: Worker;
  /** Slices posted and not yet answered; the thread holds the process open while > 0. */
  busy: number;
}

interface Job {
  readonly thread: Thread;
  readonly resolve: (r: AppendJobResult) => void;
  readonly reject: (e: unknown) => void;
}

/**
 * Worker threads that decode a batch and compute its events' position-independent parts
 * (`append-worker.ts`), so that the main thread keeps only the splice of chain position,
 * links and the final SHA-256 (`seal-parts.ts`). Threads start on first use and never
 * hold the process open while idle; `close()` terminates them. A thread that dies fails
 * the batches it held with `WORKER_FAILED` (retryable; nothing of them was appended) and
 * is replaced on the next batch.
 */
export class AppendPool {
  private readonly threads: (Thread | undefined)[];
  private readonly jobs = new Map<number, Job>();
  private nextId = 0;
  private closed = false;

  constructor(
    readonly size: number,
    /** The envelope version of the ledger the threads prepare for (`seal-parts.ts`). */
    readonly envelope: 1 | 2 = 1,
  ) {
    this.threads = new Array(size).fill(undefined);
  }

  /**
   * Decode `inputs` and split them into parts on the threads, in order. Resolves
   * `undefined` when an input is refused or cannot be sent to a thread (not structured-
   * cloneable): the caller then runs the batch on its own thread, which gives the error.
   * Rejects with `WORKER_FAILED` when a thread dies meanwhile.
   */
  async prepare(
    inputs: readonly unknown[],
    allowPhoneLikeIds: boolean,
  ): Promise<PreparedParts[] | undefined> {
    if (this.closed) return undefined;
    const slices = Math.max(1, Math.min(this.size, Math.floor(inputs.length / MIN_SLICE)));
    const per = Math.ceil(inputs.length / slices);
    const sent: Promise<AppendJobResult>[] = [];
    for (let s = 0; s < slices; s++) {
      const slice = inputs.slice(s * per, (s + 1) * per);
      const job = this.send(s, slice, allowPhoneLikeIds);
      if (job === undefined) {
        for (const p of sent) p.catch(() => {});
        return undefined;
      }
      sent.push(job);
    }
    const results = await Promise.allSettled(sent);
    const out: PreparedParts[] = [];
    for (const r of results) {
      if (r.status === "rejected") throw r.reason;
      if (!r.value.ok) return undefined;
      for (const p of r.value.prepared) out.push(p);
    }
    return out;
  }

  /** Terminate every thread; batches they still held fail with `WORKER_FAILED`. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.threads.map((t) => t?.worker.terminate()));
  }

  /** Post one slice to thread `index` (started if absent); undefined when it cannot be cloned. */
  private send(
    index: number,
    inputs: readonly unknown[],
    allowPhoneLikeIds: boolean,
  ): Promise<AppendJobResult> | undefined {
    const thread = this.thread(index);
    const id = this.nextId++;
    const result = new Promise<AppendJobResult>((resolve, reject) => {
      this.jobs.set(id, { thread, resolve, reject });
    });
    try {
      thread.worker.postMessage({
        id,
        inputs,
        allowPhoneLikeIds,
        envelope: this.envelope,
      } satisfies AppendJob);
    } catch {
      this.jobs.delete(id); // DataCloneError: a function, symbol or proxy in the input
      return undefined;
    }
    if (thread.busy++ === 0) thread.worker.ref();
    return result;
  }

  private thread(index: number): Thread {
    const existing = this.threads[index];
    if (existing !== undefined) return existing;
    const worker = startWorker("append-worker", "workers");
    const thread: Thread = { worker, busy: 0 };
    worker.unref();
    worker.on("message", (r: AppendJobResult) => {
      const job = this.jobs.get(r.id);
      if (job === undefined) return;
      this.jobs.delete(r.id);
      if (--thread.busy === 0) worker.unref();
      job.resolve(r);
    });
    const fail = (cause: unknown) => {
      if (this.threads[index] === thread) this.threads[index] = undefined; // replaced on next use
      const error = new DaichoError(
        "WORKER_FAILED",
        "an append worker thread stopped before the batch was prepared; nothing was appended: append the batch again",
        { retryable: true, cause },
      );
      for (const [id, job] of this.jobs) {
        if (job.thread !== thread) continue;
        this.jobs.delete(id);
        job.reject(error);
      }
    };
    worker.on("error", fail);
    worker.on("exit", (code) => fail(new Error(`append worker exited with code ${code}`)));
    this.threads[index] = thread;
    return thread;
  }

  /** The live worker threads (for tests that kill one). */
  get workers(): readonly Worker[] {
    return this.threads.flatMap((t) => (t === undefined ? [] : [t.worker]));
  }
}
