import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import type { ScannedBytes } from "@daicho/core/testing";

/** Every regular file below `dir` (recursively), named by its path, for `unwrappingRanges`. */
export function filesBelow(dir: string): ScannedBytes[] {
  const out: ScannedBytes[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    const st = statSync(path, { throwIfNoEntry: false });
    if (st?.isDirectory()) out.push(...filesBelow(path));
    else if (st?.isFile()) out.push({ name: path, bytes: readFileSync(path) });
  }
  return out;
}
