import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { deriveSnapshotKey } from "./snapshot";
import {
  buildSnapshotVectors,
  SNAPSHOT_VECTOR_LEDGER,
  type SnapshotVector,
  snapshotVectorOutcome,
} from "./snapshot-vectors";

const committed = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/snapshot-v2.json", import.meta.url), "utf8"),
) as ReturnType<typeof buildSnapshotVectors>;

describe("snapshot vectors (docs/vectors/snapshot-v2.json)", () => {
  it("are what the encoder writes today (pnpm vectors)", () => {
    expect(buildSnapshotVectors()).toEqual(committed);
  });

  it("each restores or fails exactly as recorded", () => {
    const key = deriveSnapshotKey(Buffer.from(committed.secretHex, "hex"), SNAPSHOT_VECTOR_LEDGER);
    expect(Buffer.from(key).toString("hex")).toBe(committed.keyHex);
    for (const v of committed.vectors as SnapshotVector[]) {
      expect(snapshotVectorOutcome(v, key), v.name).toBe(v.expect);
    }
  });
});
