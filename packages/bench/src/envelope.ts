import { createHash } from "node:crypto";
import {
  type EventInput,
  eventHash,
  memoryStore,
  openLedger,
  type StoredEvent,
} from "@daicho/core";
import { accessInput } from "@daicho/core/testing";
import { interleavedCpuMs, Report } from "./report";
import type { Section } from "./sections";

/** Events per ledger (BENCH_ENVELOPE_EVENTS; default 10,000): every 4th names two subjects. */
const EVENTS = Number(process.env.BENCH_ENVELOPE_EVENTS ?? 10_000);
const ROUNDS = Number(process.env.BENCH_ENVELOPE_ROUNDS ?? 3);

const input = (n: number): EventInput =>
  n % 4 === 0
    ? accessInput(n, `s-${n % 997}`, `s-${(n + 1) % 997}`)
    : accessInput(n, `s-${n % 997}`);

/** Process CPU time of an async run, in ms. */
async function cpuOf(f: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await f();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

async function filled(envelope: 1 | 2) {
  const ledger = await openLedger({
    store: memoryStore(),
    ledgerId: "bench.example/envelope",
    envelope,
  });
  for (let from = 0; from < EVENTS; from += 1000)
    await ledger.appendBatch(
      Array.from({ length: Math.min(1000, EVENTS - from) }, (_, i) => input(from + i)),
    );
  return ledger;
}

async function bodies(ledger: Awaited<ReturnType<typeof filled>>): Promise<StoredEvent[]> {
  const out: StoredEvent[] = [];
  for await (const e of ledger.store.read()) out.push(e);
  return out;
}

/**
 * Envelope version 2 (docs/spec.md §13) beside version 1 on the same inputs, in CPU time,
 * interleaved: appending, `verify`, and the event hash alone; and the stored size.
 */
export const envelopeSection: Section = {
  name: "envelope",
  async run() {
    const report = new Report("envelope");
    const append: Record<1 | 2, number[]> = { 1: [], 2: [] };
    const verify: Record<1 | 2, number[]> = { 1: [], 2: [] };
    let sample: Record<1 | 2, StoredEvent[]> = { 1: [], 2: [] };
    for (let r = 0; r < ROUNDS; r++) {
      for (const v of (r % 2 === 0 ? [1, 2] : [2, 1]) as (1 | 2)[]) {
        let ledger: Awaited<ReturnType<typeof filled>> | undefined;
        append[v].push(await cpuOf(async () => (ledger = await filled(v))));
        const l = ledger as Awaited<ReturnType<typeof filled>>;
        verify[v].push(
          await cpuOf(async () => {
            const ok = await l.verify();
            if (!ok.ok || ok.count !== EVENTS)
              throw new Error("the benchmarked ledger did not verify");
          }),
        );
        if (r === 0) sample = { ...sample, [v]: await bodies(l) };
      }
    }
    for (const [what, runs] of [
      ["append", append],
      ["verify", verify],
    ] as const) {
      const base = `${what} ${EVENTS} events, envelope 1 (CPU)`;
      report.add({ name: base, value: median(runs[1]), unit: "ms" });
      report.add({
        name: `${what} ${EVENTS} events, envelope 2 (CPU)`,
        value: median(runs[2]),
        unit: "ms",
        vs: base,
      });
    }
    const hashAll = (xs: StoredEvent[]) => () => {
      for (const e of xs) eventHash(e.body);
    };
    // The v1 path after the version dispatch (one suffix test) beside a bare SHA-256 of the same bytes.
    const bare = () => {
      for (const e of sample[1])
        createHash("sha256").update(`daicho/event/v1\u0000${e.body}`).digest("hex");
    };
    const pairs: [string, () => unknown, string, () => unknown][] = [
      [
        "event hash of every v1 body (CPU)",
        hashAll(sample[1]),
        "event hash of every v2 body (CPU)",
        hashAll(sample[2]),
      ],
      [
        "bare SHA-256 of every v1 body (CPU)",
        bare,
        "eventHash of every v1 body, with the v2 dispatch (CPU)",
        hashAll(sample[1]),
      ],
    ];
    for (const [baseName, a, name, b] of pairs) {
      const t = interleavedCpuMs(a, b);
      report.add({ name: baseName, value: t.a, unit: "ms" });
      report.add({ name, value: t.b, unit: "ms", vs: baseName });
    }
    const bytes = (xs: StoredEvent[]) =>
      xs.reduce((n, e) => n + Buffer.byteLength(e.body), 0) / xs.length;
    report.add({ name: "mean stored body, envelope 1", value: bytes(sample[1]), unit: "bytes" });
    report.add({
      name: "mean stored body, envelope 2",
      value: bytes(sample[2]),
      unit: "bytes",
      vs: "mean stored body, envelope 1",
    });
    return report;
  },
};
