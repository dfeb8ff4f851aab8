/**
 * A writer process for the reliability tests. Appends events with ids `<prefix>-<n>`
 * through a ledger, keeping `concurrency` appends in flight, and prints `ack <id>` on
 * stdout (synchronously) only after the append resolved, i.e. was acknowledged as
 * durable. A retryable failure is retried with the same id; `DUPLICATE_EVENT` on a retry
 * means the earlier attempt was committed after all, so it counts as acknowledged.
 */
import { writeSync } from "node:fs";
import { isDaichoError, openLedger, type Store } from "@daicho/core";
import { sampleInput } from "@daicho/core/testing";
import { postgresStore } from "../../src/postgres/index";
import { sqliteStore } from "../../src/sqlite/index";
import type { WriterArgs } from "../reliability";

const args = JSON.parse(process.argv[2] as string) as WriterArgs;

function openStore(): Store {
  return args.kind === "sqlite"
    ? sqliteStore(args.location, { busyTimeoutMs: 30_000 })
    : postgresStore({
        connectionString: args.location,
        tenant: args.tenant ?? "default",
        // Every worker process migrates on open: concurrent migrators must stay safe.
        migrate: true,
        maxConnections: 4,
      });
}

const store = openStore();
const ledger = await openLedger({ store, ledgerId: args.ledgerId, maxConflictRetries: 1000 });
let next = 0;
const batchSize = args.batch ?? 1;

async function appendWithRetry(ids: string[]): Promise<void> {
  const inputs = ids.map((id, i) => ({ ...sampleInput(next + i), id }));
  for (let attempt = 0; ; attempt++) {
    try {
      await ledger.appendBatch(inputs);
      return;
    } catch (e) {
      if (attempt > 0 && isDaichoError(e, "DUPLICATE_EVENT")) return; // the earlier attempt committed
      if (isDaichoError(e) && e.retryable && attempt < 200) {
        await new Promise((r) => setTimeout(r, 20));
        continue;
      }
      throw e;
    }
  }
}

async function lane(): Promise<void> {
  while (next < args.count) {
    const ids: string[] = [];
    for (let i = 0; i < batchSize && next < args.count; i++) ids.push(`${args.prefix}-${next++}`);
    await appendWithRetry(ids);
    writeSync(1, ids.map((id) => `ack ${id}\n`).join(""));
  }
}

try {
  await Promise.all(Array.from({ length: args.concurrency }, lane));
  await ledger.close();
  writeSync(1, "done\n");
} catch (e) {
  writeSync(2, `worker failed: ${isDaichoError(e) ? JSON.stringify(e.toJSON()) : String(e)}\n`);
  process.exit(3);
}
