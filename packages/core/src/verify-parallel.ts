import type { Worker } from "node:worker_threads";
import { DaichoError } from "./errors";
import type { StoredEvent } from "./events/envelope";
import type { CheckedEvent } from "./verify";
import type { PageRequest, PageResult } from "./verify-worker";
import { startWorker } from "./worker-threads";

/** Events per page sent to a worker. */
const PAGE = 1000;

/**
 * Hash and parse stored events on `workers` worker threads, and hand them back **in
 * storage order**, for `verifyChain` to check links, columns and order on this thread
 * exactly as the sequential verifier does (each event's hash is independent of the
 * others; the links are not). At most two pages per worker are in flight, so memory
 * stays flat in the ledger's size. A worker that fails rejects the iteration with
 * `STORE_UNAVAILABLE`; nothing is ever reported as verified that no thread hashed.
 */
export function precheckInWorkers(
  workers: number,
): (events: AsyncIterable<StoredEvent>) => AsyncIterable<CheckedEvent> {
  return (events) => checkedInWorkers(events, workers);
}

async function* checkedInWorkers(
  events: AsyncIterable<StoredEvent>,
  count: number,
): AsyncIterable<CheckedEvent> {
  const pool = new WorkerPool(count);
  const iterator = events[Symbol.asyncIterator]();
  const inflight: Promise<CheckedEvent[]>[] = [];
  let exhausted = false;
  const readPage = async (): Promise<StoredEvent[]> => {
    const page: StoredEvent[] = [];
    while (page.length < PAGE) {
      const next = await iterator.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      page.push(next.value);
    }
    return page;
  };
  try {
    for (;;) {
      while (!exhausted && inflight.length < 2 * count) {
        const page = await readPage();
        if (page.length > 0) {
          const p = pool.check(page);
          p.catch(() => {}); // surfaced when awaited in order below
          inflight.push(p);
        }
      }
      const next = inflight.shift();
      if (next === undefined) return;
      yield* await next;
    }
  } finally {
    await pool.close();
    await iterator.return?.();
  }
}

/** Worker threads running `verify-worker`, fed round-robin. */
class WorkerPool {
  private readonly workers: Worker[] = [];
  private readonly pending = new Map<
    number,
    { resolve: (r: PageResult) => void; reject: (e: unknown) => void }
  >();
  private nextId = 0;

  constructor(count: number) {
    for (let i = 0; i < count; i++) {
      const worker = startWorker("verify-worker", "workers");
      worker.on("message", (r: PageResult) => {
        this.pending.get(r.id)?.resolve(r);
        this.pending.delete(r.id);
      });
      worker.on("error", (e) => this.failAll(e));
      worker.on("exit", (code) => {
        if (code !== 0) this.failAll(new Error(`verify worker exited with code ${code}`));
      });
      this.workers.push(worker);
    }
  }

  check(page: StoredEvent[]): Promise<CheckedEvent[]> {
    const id = this.nextId++;
    const worker = this.workers[id % this.workers.length] as Worker;
    return new Promise<PageResult>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      worker.postMessage({ id, bodies: page.map((e) => e.body) } satisfies PageRequest);
    }).then((r) =>
      page.map((stored, i) => ({
        stored,
        recomputed: r.hashes[i] as string,
        parsed: r.parsed[i] ?? undefined,
      })),
    );
  }

  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }

  private failAll(cause: unknown): void {
    const error = new DaichoError(
      "STORE_UNAVAILABLE",
      "a verification worker thread failed; run verify again, or with `workers: 1`",
      { cause },
    );
    for (const p of this.pending.values()) p.reject(error);
    this.pending.clear();
  }
}
