import { readFileSync } from "node:fs";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { decodeSnapshot, deriveSnapshotKey } from "./snapshot";
import {
  type BinarySnapshotVector,
  binarySnapshotVectorOutcome,
  buildBinarySnapshotVectors,
  frameV3,
} from "./snapshot-v3-vectors";
import { SNAPSHOT_VECTOR_LEDGER } from "./snapshot-vectors";

const committed = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/snapshot-v3.json", import.meta.url), "utf8"),
) as ReturnType<typeof buildBinarySnapshotVectors>;
const key = deriveSnapshotKey(Buffer.from(committed.secretHex, "hex"), SNAPSHOT_VECTOR_LEDGER);

describe("snapshot v3 vectors (docs/vectors/snapshot-v3.json)", () => {
  it("are what the encoder writes today (pnpm vectors)", () => {
    expect(buildBinarySnapshotVectors()).toEqual(committed);
  });

  it("each restores (to the recorded state) or fails exactly as recorded", () => {
    expect(Buffer.from(key).toString("hex")).toBe(committed.keyHex);
    for (const v of committed.vectors as BinarySnapshotVector[]) {
      expect(binarySnapshotVectorOutcome(v, key), v.name).toBe(v.expect);
    }
  });

  it("the spec's independent framing of a genuine body reproduces the encoder's bytes", () => {
    const good = Buffer.from((committed.vectors[0] as BinarySnapshotVector).hex, "hex");
    const r = decodeSnapshot(good, SNAPSHOT_VECTOR_LEDGER, { key });
    if (E.isLeft(r)) throw r.left;
    const { header } = r.right;
    // Header: 25-byte tag, auth, ledger id (1-byte length), seq + 1, hash (1-byte length), time, length.
    const bodyStart = 25 + 1 + 1 + 22 + 1 + 1 + 64 + 6;
    const lengthBytes = good.length - 32 - bodyStart > 127 ? 2 : 1;
    const body = good.subarray(bodyStart + lengthBytes, good.length - 32);
    const again = frameV3(
      body,
      { ledgerId: header.ledgerId, seq: header.seq, hash: header.hash },
      key,
    );
    expect(Buffer.from(again).equals(good)).toBe(true);
  });

  it("each negative fails for the reason its name gives", () => {
    const reasons: Record<string, RegExp> = {
      "truncated by one byte": /truncated/,
      "one byte appended": /bytes after the tag/,
      "wrong version (v4 tag, MACed)": /unknown views snapshot format version/,
      "unknown auth byte": /auth byte/,
      "ledger id length 2^53 - 1": /ledger id longer/,
      "body length 2^32 (beyond the file)": /truncated/,
      "string index out of range (MACed)": /string index 1 outside a table of 1/,
      "string count 2^53 - 1 (MACed)": /string count larger/,
      "string table length beyond the body (MACed)": /string table length larger/,
      "array length 2^53 - 1 (MACed)": /array length larger/,
      "varint longer than 8 bytes (MACed)": /longer than 8 bytes/,
      "varint not in shortest form (MACed)": /shortest form/,
      "nesting 65 deep (MACed)": /nested deeper than 64/,
      "string not UTF-8 (MACed)": /not UTF-8/,
      "duplicate object key (MACed)": /duplicate object key/,
      "unknown value tag (MACed)": /unknown value tag 9/,
      "bytes after the root value (MACed)": /bytes after the root value/,
      "float64 holding an integer (MACed)": /float64 holds a safe integer/,
      "a view section of the wrong type (MACed: actors = 5)": /expected/,
      "v2 text tag in a binary frame (MACed)": /unknown views snapshot format version/,
    };
    for (const v of committed.vectors as BinarySnapshotVector[]) {
      const want = reasons[v.name];
      if (want === undefined) continue;
      const r = decodeSnapshot(Buffer.from(v.hex, "hex"), SNAPSHOT_VECTOR_LEDGER, { key });
      expect(E.isLeft(r) && r.left.message, v.name).toMatch(want);
    }
    expect(Object.keys(reasons).every((n) => committed.vectors.some((v) => v.name === n))).toBe(
      true,
    );
  });
});
