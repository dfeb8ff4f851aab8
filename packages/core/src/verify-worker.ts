import { parentPort } from "node:worker_threads";
import type { StoredEvent } from "./events/envelope";
import { checkEvent, type ParsedBody } from "./verify";

/**
 * The parallel verifier's worker (`verify-parallel.ts`): for each page of stored events
 * it sends, the recomputed event hash and the parsed body, by the very functions the
 * sequential verifier uses (`checkEvent`). No decision is taken here; the main thread
 * checks links, columns and order as it always does.
 */
export interface PageRequest {
  readonly id: number;
  readonly bodies: readonly string[];
}

export interface PageResult {
  readonly id: number;
  readonly hashes: readonly string[];
  readonly parsed: readonly (ParsedBody | null)[];
}

parentPort?.on("message", (request: PageRequest) => {
  const hashes: string[] = [];
  const parsed: (ParsedBody | null)[] = [];
  for (const body of request.bodies) {
    const c = checkEvent({ body } as StoredEvent);
    hashes.push(c.recomputed);
    parsed.push(c.parsed ?? null);
  }
  parentPort?.postMessage({ id: request.id, hashes, parsed } satisfies PageResult);
});
