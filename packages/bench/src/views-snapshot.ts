import os from "node:os";
import {
  decodeSnapshot,
  deriveSnapshotKey,
  encodeBinarySnapshot,
  encodeSnapshot,
  type Views,
} from "@daicho/core/views";
import type { Report } from "./report";

/** Rounds of each interleaved pair: `BENCH_SNAPSHOT_ROUNDS` (default 3). */
const ROUNDS = Number(process.env.BENCH_SNAPSHOT_ROUNDS ?? 3);
const LEDGER = "bench.example/views";

interface Times {
  readonly cpu: number;
  readonly wall: number;
}

/** One call's process CPU time and wall time, in ms (GC before, so neither arm pays the other's garbage). */
function timed(f: () => unknown): Times {
  global.gc?.();
  const c0 = process.cpuUsage();
  const w0 = process.hrtime.bigint();
  f();
  const wall = Number(process.hrtime.bigint() - w0) / 1e6;
  const c = process.cpuUsage(c0);
  return { cpu: (c.user + c.system) / 1000, wall };
}

const median = (xs: readonly number[]) =>
  [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

/** `a` and `b` alternately, A B then B A, ROUNDS times; each one's median CPU and wall. */
function interleaved(a: () => unknown, b: () => unknown): { a: Times; b: Times } {
  const ta: Times[] = [];
  const tb: Times[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      ta.push(timed(a));
      tb.push(timed(b));
    } else {
      tb.push(timed(b));
      ta.push(timed(a));
    }
  }
  const med = (ts: Times[]) => ({
    cpu: median(ts.map((t) => t.cpu)),
    wall: median(ts.map((t) => t.wall)),
  });
  return { a: med(ta), b: med(tb) };
}

/**
 * Views snapshots, v2 (JSON text) against v3 (binary, docs/spec.md §14), interleaved:
 * encode, restore (decode + tag check + every view's io-ts guard and indexes), and size.
 * v2 text longer than V8's longest string (2^29 − 24 UTF-16 units) cannot be written at
 * all; the row then says so and only v3 is timed.
 */
export function snapshotFigures(report: Report, views: Views): void {
  const key = deriveSnapshotKey(new Uint8Array(32).fill(1), LEDGER);
  const v2 = () => encodeSnapshot(views, LEDGER, new Date(), key);
  const v3 = () => encodeBinarySnapshot(views, LEDGER, new Date(), key);
  let text: string | undefined;
  let v2Failure = "";
  try {
    text = v2();
  } catch (e) {
    v2Failure = e instanceof RangeError ? `v2 cannot be written: ${e.message}` : String(e);
  }
  const bytes = v3();
  const load = `load ${os.loadavg()[0]?.toFixed(1)}, ${os.cpus().length} cores, median of ${ROUNDS} interleaved rounds`;
  if (text === undefined) {
    const t = interleaved(v3, v3).a;
    report.add({
      name: "snapshot v3 encode CPU",
      value: t.cpu,
      unit: "ms",
      note: `${v2Failure}; ${load}`,
    });
    report.add({ name: "snapshot v3 encode wall", value: t.wall, unit: "ms" });
    const r = interleaved(
      () => restore(bytes, key),
      () => restore(bytes, key),
    ).a;
    report.add({ name: "snapshot v3 restore CPU", value: r.cpu, unit: "ms" });
    report.add({ name: "snapshot v3 restore wall", value: r.wall, unit: "ms" });
    report.add({ name: "snapshot v3 size", value: bytes.length / 2 ** 20, unit: "MiB" });
    return;
  }
  const v2Text = text;
  const enc = interleaved(v2, v3);
  report.add({
    name: "snapshot v2 encode CPU (JSON text)",
    value: enc.a.cpu,
    unit: "ms",
    note: load,
  });
  report.add({
    name: "snapshot v3 encode CPU (binary)",
    value: enc.b.cpu,
    unit: "ms",
    vs: "snapshot v2 encode CPU (JSON text)",
  });
  report.add({ name: "snapshot v2 encode wall", value: enc.a.wall, unit: "ms" });
  report.add({
    name: "snapshot v3 encode wall",
    value: enc.b.wall,
    unit: "ms",
    vs: "snapshot v2 encode wall",
  });
  const dec = interleaved(
    () => restore(v2Text, key),
    () => restore(bytes, key),
  );
  report.add({
    name: "snapshot v2 restore CPU",
    value: dec.a.cpu,
    unit: "ms",
    note: "decode + tag + io-ts guards + indexes",
  });
  report.add({
    name: "snapshot v3 restore CPU",
    value: dec.b.cpu,
    unit: "ms",
    vs: "snapshot v2 restore CPU",
  });
  report.add({ name: "snapshot v2 restore wall", value: dec.a.wall, unit: "ms" });
  report.add({
    name: "snapshot v3 restore wall",
    value: dec.b.wall,
    unit: "ms",
    vs: "snapshot v2 restore wall",
  });
  const parse = interleaved(
    () => JSON.parse(v2Text),
    () => JSON.parse(v2Text),
  ).a;
  report.add({
    name: "JSON.parse of the v2 text (baseline)",
    value: parse.cpu,
    unit: "ms",
    note: "CPU",
  });
  report.add({ name: "snapshot v2 size", value: Buffer.byteLength(v2Text) / 2 ** 20, unit: "MiB" });
  report.add({
    name: "snapshot v3 size",
    value: bytes.length / 2 ** 20,
    unit: "MiB",
    vs: "snapshot v2 size",
  });
}

function restore(snapshot: string | Uint8Array, key: Uint8Array): void {
  const r = decodeSnapshot(snapshot, LEDGER, { key });
  if (r._tag === "Left") throw r.left;
}
