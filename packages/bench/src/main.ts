import { writeFileSync } from "node:fs";
import os from "node:os";
import type { Report } from "./report";
import { SECTIONS } from "./sections";

/**
 * `pnpm bench [section…] [--out file.md]`: run benchmark sections side by side with their
 * baselines and print ratios. With --out, also write the Markdown tables to a file.
 */
async function main(argv: string[]): Promise<void> {
  const outIndex = argv.indexOf("--out");
  const out = outIndex === -1 ? undefined : argv[outIndex + 1];
  const wanted = argv.filter(
    (a, i) => !a.startsWith("--") && (outIndex === -1 || i !== outIndex + 1),
  );
  const cpu = os.cpus()[0]?.model ?? "unknown CPU";
  const header = `Machine: ${cpu}, ${os.cpus().length} cores, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}, ${new Date().toISOString()}`;
  console.log(header);
  const reports: Report[] = [];
  for (const section of SECTIONS) {
    if (wanted.length > 0 && !wanted.includes(section.name)) continue;
    console.log(`\n## ${section.name}`);
    reports.push(await section.run());
  }
  if (out !== undefined) {
    writeFileSync(out, `${header}\n\n${reports.map((r) => r.markdown()).join("\n")}`);
  }
}

await main(process.argv.slice(2));
