/**
 * Write the auditor test vectors (docs/vectors/merkle-v1.json, checkpoint-v1.json,
 * bundle-v1.json). Run: npx tsx packages/core/scripts/generate-auditor-vectors.ts
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildAuditorVectors } from "../src/bundle/vectors";

const dir = fileURLToPath(new URL("../../../docs/vectors/", import.meta.url));
for (const [name, doc] of Object.entries(await buildAuditorVectors())) {
  writeFileSync(`${dir}${name}`, `${JSON.stringify(doc, null, 2)}\n`);
  console.log(`wrote docs/vectors/${name}`);
}
