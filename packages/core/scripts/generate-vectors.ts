/**
 * Regenerates docs/vectors/*.json from fixed inputs. The vector test recomputes the same
 * values and compares with the committed files, so a change to hashing shows up as a diff.
 * Run: pnpm vectors
 */
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { buildProofVectors } from "../src/bundle/proof-vectors";
import { buildEnvelopeV2Vectors } from "../src/envelope/vectors";
import { buildCategoryVectors } from "../src/erasure/category-vectors";
import { buildExtractVectors } from "../src/extract/vectors";
import { buildPseudonymVectors } from "../src/pseudonym/vectors";
import { buildVectors } from "../src/vectors/build";
import { buildBinarySnapshotVectors } from "../src/views/snapshot-v3-vectors";
import { buildSnapshotVectors } from "../src/views/snapshot-vectors";

const dir = fileURLToPath(new URL("../../../docs/vectors/", import.meta.url));
for (const [name, content] of Object.entries(buildVectors())) {
  writeFileSync(`${dir}${name}`, `${JSON.stringify(content, null, 2)}\n`);
  console.log(`wrote docs/vectors/${name}`);
}
writeFileSync(`${dir}proof-v1.json`, `${JSON.stringify(await buildProofVectors(), null, 2)}\n`);
console.log("wrote docs/vectors/proof-v1.json");
writeFileSync(`${dir}pseudonym-v1.json`, `${JSON.stringify(buildPseudonymVectors(), null, 2)}\n`);
console.log("wrote docs/vectors/pseudonym-v1.json");
for (const [name, content] of Object.entries(await buildExtractVectors())) {
  writeFileSync(`${dir}${name}`, `${JSON.stringify(content, null, 2)}\n`);
  console.log(`wrote docs/vectors/${name}`);
}
writeFileSync(
  `${dir}envelope-v2.json`,
  `${JSON.stringify(await buildEnvelopeV2Vectors(), null, 2)}\n`,
);
console.log("wrote docs/vectors/envelope-v2.json");
writeFileSync(
  `${dir}category-erasure-v1.json`,
  `${JSON.stringify(await buildCategoryVectors(), null, 2)}\n`,
);
console.log("wrote docs/vectors/category-erasure-v1.json");
writeFileSync(`${dir}snapshot-v2.json`, `${JSON.stringify(buildSnapshotVectors(), null, 2)}\n`);
console.log("wrote docs/vectors/snapshot-v2.json");
writeFileSync(
  `${dir}snapshot-v3.json`,
  `${JSON.stringify(buildBinarySnapshotVectors(), null, 2)}\n`,
);
console.log("wrote docs/vectors/snapshot-v3.json");
