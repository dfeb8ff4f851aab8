/**
 * Places legal holds on a shared SQLite ledger, one per stdin line `hold <subject> <holdId>`,
 * answering `held <subject> <seq>` once the hold is durable. Prints `ready` when open.
 */
import { createInterface } from "node:readline";
import { isDaichoError, openLedger } from "@daicho/core";
import { sqliteStore } from "../../src/sqlite/index";

const args = JSON.parse(process.argv[2] as string) as { path: string };
const ledger = await openLedger({
  store: sqliteStore(args.path, { synchronous: "normal", busyTimeoutMs: 30_000 }),
  maxConflictRetries: 1000,
});
process.stdout.write("ready\n");
for await (const line of createInterface({ input: process.stdin })) {
  const [command, subject, holdId] = line.split(" ");
  if (command === "exit") break;
  try {
    const e = await ledger.append({
      type: "legal-hold.placed",
      actor: { id: "legal-team" },
      subjects: [subject as string],
      payload: { holdId: holdId as string, reason: "litigation pending" },
    });
    process.stdout.write(`held ${subject} ${e.seq}\n`);
  } catch (e) {
    process.stdout.write(`failed ${subject} ${isDaichoError(e) ? e.code : String(e)}\n`);
  }
}
await ledger.close();
process.exit(0); // stdin is still open: leave without waiting for it
