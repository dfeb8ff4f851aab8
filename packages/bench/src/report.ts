/** Collects benchmark rows and prints them as a Markdown table, with ratios to a baseline. */
export interface Row {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  /** Ratio to the named baseline row's value (ours / baseline), printed when set. */
  readonly vs?: string;
  readonly note?: string;
}

export class Report {
  private readonly rows: Row[] = [];
  constructor(readonly section: string) {}

  add(row: Row): void {
    this.rows.push(row);
    const base = row.vs === undefined ? undefined : this.rows.find((r) => r.name === row.vs);
    const ratio = base === undefined ? "" : `  (${(row.value / base.value).toFixed(2)}× ${row.vs})`;
    console.log(
      `  ${row.name}: ${format(row.value)} ${row.unit}${ratio}${row.note ? `  — ${row.note}` : ""}`,
    );
  }

  markdown(): string {
    const lines = [
      `### ${this.section}`,
      "",
      "| measurement | value | unit | ratio |",
      "|---|---:|---|---|",
    ];
    for (const r of this.rows) {
      const base = r.vs === undefined ? undefined : this.rows.find((x) => x.name === r.vs);
      const ratio = base === undefined ? "" : `${(r.value / base.value).toFixed(2)}× ${r.vs}`;
      lines.push(`| ${r.name} | ${format(r.value)} | ${r.unit} | ${ratio} |`);
    }
    return `${lines.join("\n")}\n`;
  }
}

function format(v: number): string {
  if (v >= 100) return Math.round(v).toLocaleString("en-US");
  return v.toPrecision(3);
}

/** Time `f` once, in milliseconds. */
export async function timeMs(f: () => unknown | Promise<unknown>): Promise<number> {
  const start = process.hrtime.bigint();
  await f();
  return Number(process.hrtime.bigint() - start) / 1e6;
}

/**
 * CPU time (user + system) of this process while `f` runs, in milliseconds. On the shared
 * 2-core machine wall-clock time measures the other tenants as much as us; CPU time of a
 * synchronous loop does not (it still counts GC and cache misses caused by neighbours).
 */
export function cpuMs(f: () => unknown): number {
  const start = process.cpuUsage();
  f();
  const d = process.cpuUsage(start);
  return (d.user + d.system) / 1000;
}

/**
 * Time `a` and `b` alternately (`rounds` times each, `a` first then `b` first, so a slow
 * spell of the machine hits both) in CPU time, and return each one's median in ms.
 */
export function interleavedCpuMs(
  a: () => unknown,
  b: () => unknown,
  rounds = 7,
): { a: number; b: number } {
  const ta: number[] = [];
  const tb: number[] = [];
  for (let r = 0; r < rounds; r++) {
    if (r % 2 === 0) {
      ta.push(cpuMs(a));
      tb.push(cpuMs(b));
    } else {
      tb.push(cpuMs(b));
      ta.push(cpuMs(a));
    }
  }
  return { a: median(ta), b: median(tb) };
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s[Math.floor(s.length / 2)] as number;
}

/** CPU ms (user + system) and wall ms of one async run of `f`. */
export async function cpuWallMs(f: () => Promise<unknown>): Promise<{ cpu: number; wall: number }> {
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  await f();
  const wall = Number(process.hrtime.bigint() - t0) / 1e6;
  const d = process.cpuUsage(cpu0);
  return { cpu: (d.user + d.system) / 1000, wall };
}
