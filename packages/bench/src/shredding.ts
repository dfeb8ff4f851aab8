import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sqliteStore } from "@daicho/adapters/sqlite";
import { sqliteKeyStore } from "@daicho/adapters/sqlite-keys";
import {
  type EventInput,
  type Ledger,
  memoryKeyStore,
  memoryStore,
  openLedger,
  type Store,
  type SubjectHead,
} from "@daicho/core";
import { ed25519Signer, erasureService } from "@daicho/core/erasure";
import { subjectAccess } from "@daicho/core/subject-access";
import { bulkAppend } from "./bulk-append";
import { Report, timeMs } from "./report";
import type { Section } from "./sections";

const KEK = { id: "bench-kek", key: new Uint8Array(32).fill(42) };
const SUBJECTS = 100_000;
const BATCH = 2_000;

function event(i: number, subject: string, personal: boolean): EventInput {
  return {
    type: "record.updated",
    actor: { id: `user-${i % 7}` },
    subjects: [subject],
    payload: { resource: { type: "contact", id: subject }, fields: ["email", "phone"] },
    ...(personal
      ? {
          personal: [
            { subject, field: "email", value: `person${i}@example.org` },
            {
              subject,
              field: "phone",
              value: `+81-90-${String(i).padStart(8, "0")}`,
              keep: String(i % 10_000).padStart(4, "0"),
            },
          ],
        }
      : {}),
  } as EventInput;
}

async function appendMany(
  ledger: Ledger,
  from: number,
  count: number,
  personal: boolean,
  subjectOf: (i: number) => string,
): Promise<void> {
  for (let start = from; start < from + count; start += BATCH) {
    const n = Math.min(BATCH, from + count - start);
    await ledger.appendBatch(
      Array.from({ length: n }, (_, k) => event(start + k, subjectOf(start + k), personal)),
    );
  }
}

/** Append throughput with two sealed personal fields per event beside the same events without. */
async function throughput(report: Report, dir: string): Promise<void> {
  const N = 20_000;
  const subjectOf = (i: number) => `contact-${i % 1_000}`;
  for (const kind of ["memory", "sqlite"] as const) {
    const make = async (personal: boolean) =>
      openLedger({
        store:
          kind === "memory"
            ? memoryStore()
            : sqliteStore(join(dir, `tp-${personal}.db`), { synchronous: "normal" }),
        ledgerId: "bench/shredding",
        keys: {
          store:
            kind === "memory"
              ? memoryKeyStore()
              : sqliteKeyStore(join(dir, `tp-${personal}.keys.db`), { synchronous: "normal" }),
          kek: KEK,
        },
      });
    const plain = await make(false);
    const sealed = await make(true);
    await appendMany(plain, 0, 2_000, false, subjectOf); // warm-up (JIT, caches)
    await appendMany(sealed, 0, 2_000, true, subjectOf);
    const tPlain = await timeMs(() => appendMany(plain, 2_000, N, false, subjectOf));
    const tSealed = await timeMs(() => appendMany(sealed, 2_000, N, true, subjectOf));
    const base = `append ${kind}, no personal fields`;
    report.add({ name: base, value: (N / tPlain) * 1000, unit: "events/s" });
    report.add({
      name: `append ${kind}, 2 sealed fields/event`,
      value: (N / tSealed) * 1000,
      unit: "events/s",
      vs: base,
      note: "1,000 subjects, batches of 2,000",
    });
    await plain.close();
    await sealed.close();
  }
}

/** Filler events [from, to) about `subjectOf(i)`, without sealed fields, on the bulk path. */
function bulkFill(
  store: Store,
  from: number,
  to: number,
  subjectOf: (i: number) => string,
  heads: Map<string, SubjectHead>,
): Promise<void> {
  // The store already holds events here, so the genesis hash is never used.
  return bulkAppend(store, { from, to }, (i) => event(i, subjectOf(i), false), heads, "");
}

/**
 * Erasure of one subject among 100,000 subjects, at 10^5 and then 10^6 events, on SQLite
 * (ledger file + separate key file). Every one of the 100,000 subjects has a data key
 * (created through the ledger with one sealed event each); each victim has exactly 10
 * sealed events of its own, so the two measurements differ only in the ledger's size.
 */
async function erasureAtScale(report: Report, dir: string): Promise<void> {
  const keys = sqliteKeyStore(join(dir, "scale.keys.db"), { synchronous: "normal" });
  const store = sqliteStore(join(dir, "scale.db"), { synchronous: "normal" });
  const ledger = await openLedger({
    store,
    ledgerId: "bench/shredding-scale",
    keys: { store: keys, kek: KEK, cacheSize: 10_000 },
  });
  const erasure = erasureService({
    ledger,
    signer: ed25519Signer("bench", new Uint8Array(32).fill(1)),
    actor: { id: "dpo" },
  });
  // Five victims per size (each with exactly 10 sealed events) and one warm-up subject.
  const victimsAt = (size: number) => Array.from({ length: 5 }, (_, j) => `victim-${size}-${j}`);
  const victims = ["warm-up", ...victimsAt(100_000), ...victimsAt(1_000_000)];
  for (let k = 0; k < 10; k++)
    await ledger.appendBatch(victims.map((v, j) => event(k * victims.length + j, v, true)));
  const filler = (i: number) => `contact-${i % SUBJECTS}`;
  const tKeys = await timeMs(() => appendMany(ledger, 1_000, SUBJECTS, true, filler));
  report.add({
    name: "sealed events for 100,000 subjects (one key each)",
    value: (SUBJECTS / tKeys) * 1000,
    unit: "events/s",
    note: "ledger.appendBatch",
  });
  const heads = new Map<string, SubjectHead>(
    await store.subjectHeads(Array.from({ length: SUBJECTS }, (_, i) => filler(i))),
  );
  const erase = async (subject: string) => {
    const r = await erasure.request(subject, { requestedBy: subject, channel: "email" });
    return timeMs(() => erasure.execute(r.requestId));
  };
  await erasure.openRequests(); // build the request view once (O(events), first use per process)
  await subjectAccess(ledger, "warm-up");
  await erase("warm-up"); // JIT, first signature, prepared statements
  for (const size of [100_000, 1_000_000]) {
    const total = ((await store.head())?.seq ?? 0) + 1;
    if (total < size) {
      const t = await timeMs(() => bulkFill(store, total, size, filler, heads));
      report.add({
        name: `bulk fill to ${size.toLocaleString("en-US")} events`,
        value: ((size - total) / t) * 1000,
        unit: "events/s",
        note: "bulk path, fillers without sealed fields",
      });
    }
    await erasure.openRequests(); // catch the request view up over the bulk-filled events (not timed)
    const label = size.toLocaleString("en-US");
    const access: number[] = [];
    const exec: number[] = [];
    for (const v of victimsAt(size)) {
      access.push(await timeMs(() => subjectAccess(ledger, v)));
      exec.push(await erase(v));
    }
    report.add({
      name: `subject access (10 sealed events), ${label} events`,
      value: median(access),
      unit: "ms",
      note: "median of 5",
      ...(size > 100_000 ? { vs: "subject access (10 sealed events), 100,000 events" } : {}),
    });
    report.add({
      name: `erasure execute, ${label} events`,
      value: median(exec),
      unit: "ms",
      note: "median of 5; fence + destroy + completion + signed certificate",
      ...(size > 100_000 ? { vs: "erasure execute, 100,000 events" } : {}),
    });
  }
  const verify = await timeMs(async () => {
    const v = await ledger.verify();
    if (!v.ok) throw new Error("verify failed after erasures");
  });
  report.add({ name: "verify after erasures (1,000,000+ events)", value: verify, unit: "ms" });
  report.add({ name: "live data keys after 11 erasures", value: await keys.count(), unit: "keys" });
  await keys.close();
  await ledger.close();
}

function median(xs: readonly number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] as number;
}

export const shreddingSection: Section = {
  name: "shredding",
  async run() {
    const report = new Report("shredding");
    const dir = mkdtempSync(join(tmpdir(), "daicho-bench-shred-"));
    try {
      await throughput(report, dir);
      await erasureAtScale(report, dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    return report;
  },
};
