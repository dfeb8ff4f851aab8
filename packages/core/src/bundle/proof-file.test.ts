import { readFileSync } from "node:fs";
import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { toBase64 } from "../checkpoint/base64";
import { formatCheckpoint } from "../checkpoint/checkpoint";
import { parseVerifierKey } from "../checkpoint/keys";
import { formatNote, signNote } from "../checkpoint/note";
import { ed25519Signer } from "../checkpoint/signer";
import { bytesToHex } from "../hash";
import { eventLeafHash } from "../merkle/hash";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { consistencyProof, inclusionProof, rootAt } from "../merkle/proofs";
import { CompactRange, type Node } from "../merkle/range";
import {
  CONSISTENCY_PROOF_FORMAT,
  type ConsistencyProofFile,
  formatProofFile,
  INCLUSION_PROOF_FORMAT,
  type InclusionProofFile,
  parseProofFile,
  repeatsMemberName,
} from "./proof-file";
import { buildProofVectors } from "./proof-vectors";
import { verifyProofFile } from "./verify-proof";

const committed = JSON.parse(
  readFileSync(new URL("../../../../docs/vectors/proof-v1.json", import.meta.url), "utf8"),
);

describe("proof-file vectors (docs/vectors/proof-v1.json)", () => {
  it("are exactly what the code produces today", async () => {
    expect(JSON.parse(JSON.stringify(await buildProofVectors()))).toEqual(committed);
  });

  it("each case reaches its committed outcome, positive and negative", () => {
    const key = parseVerifierKey(committed.verifierKey);
    if (E.isLeft(key)) throw key.left;
    const kinds = new Set<string>();
    for (const c of committed.cases) {
      const r = verifyProofFile(c.proof, {
        policy: { keys: [key.right] },
        checkpoints: c.checkpoints,
        ...(c.eventHash === undefined ? {} : { eventHash: c.eventHash }),
      });
      if (c.expect.ok) expect(E.isRight(r) && r.right.kind, c.name).toBe(c.expect.kind);
      else expect(E.isLeft(r) && r.left.code, c.name).toBe(c.expect.code);
      kinds.add(c.expect.ok ? "ok" : c.expect.code);
    }
    expect([...kinds].sort()).toEqual([
      "CHECKPOINT_INVALID",
      "DECODE_ERROR",
      "INVALID_ARGUMENT",
      "PROOF_INVALID",
      "SIGNATURE_INVALID",
      "ok",
    ]);
  });
});

describe("parseProofFile treats the file as hostile", () => {
  it("never throws, whatever the bytes", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.json(), fc.uint8Array({ maxLength: 200 })), (input) => {
        const r = parseProofFile(input);
        expect(E.isLeft(r) && r.left.code).toBe("DECODE_ERROR");
      }),
      { numRuns: 300 },
    );
  });

  it("refuses a file over 64 KiB before parsing it", () => {
    const r = parseProofFile(`{"format":"${INCLUSION_PROOF_FORMAT}","x":"${"a".repeat(70_000)}"}`);
    expect(E.isLeft(r) && r.left.reason).toMatch(/larger than 65536 bytes/);
  });
});

// A fixed log key; each run builds a random tree and signs checkpoints of it.
const log = ed25519Signer("prop.example/ledger", new Uint8Array(32).fill(5));
const policy = { keys: [log.verifier] };

async function randomLog(leaves: readonly Uint8Array[]) {
  const hashes = leaves.map(bytesToHex);
  const range = new CompactRange();
  const nodes: Node[] = [];
  for (const h of hashes) range.appendLeaf(eventLeafHash(h), (x) => nodes.push(x));
  const store = memoryTreeStore();
  await store.append(nodes, 0, hashes.length);
  const checkpoint = async (size: number) =>
    formatNote(
      await signNote(
        formatCheckpoint({ origin: "prop.example/ledger", size, root: await rootAt(store, size) }),
        [log],
      ),
    );
  return { hashes, store, checkpoint };
}

const leavesArb = fc.array(fc.uint8Array({ minLength: 32, maxLength: 32 }), {
  minLength: 1,
  maxLength: 70,
});

/** Single mutations of a proof file's verified members (not `ok`, `verdict`, `reason`). */
function mutations(
  file: Record<string, unknown>,
  pick: number,
  bit: number,
): Record<string, unknown>[] {
  const proof = file.proof as string[];
  const flip = (b64: string) => {
    const raw = Buffer.from(b64, "base64");
    raw[bit % 32] = (raw[bit % 32] as number) ^ (1 << (bit % 8));
    return toBase64(raw);
  };
  const out: Record<string, unknown>[] = [];
  for (const [name, value] of Object.entries(file)) {
    if (name === "ok" || name === "verdict" || name === "reason" || name === "format") continue;
    if (typeof value === "number") {
      out.push({ ...file, [name]: value + 1 });
      if (value > 0) out.push({ ...file, [name]: value - 1 });
    } else if (name === "eventHash") {
      const v = value as string;
      out.push({ ...file, eventHash: `${v[0] === "0" ? "1" : "0"}${v.slice(1)}` });
    } else if (name === "ledgerId") out.push({ ...file, ledgerId: `${value as string}x` });
    else if (typeof value === "string") out.push({ ...file, [name]: flip(value) });
  }
  if (proof.length > 0) {
    const i = pick % proof.length;
    out.push({ ...file, proof: proof.filter((_, j) => j !== i) });
    out.push({ ...file, proof: proof.map((p, j) => (j === i ? flip(p) : p)) });
    if (proof.length > 1 && proof[0] !== proof[proof.length - 1])
      out.push({ ...file, proof: [...proof].reverse() });
  }
  out.push({
    ...file,
    proof: [...proof, proof[pick % Math.max(1, proof.length)] ?? file.root ?? file.newRoot],
  });
  return out;
}

describe("proof files: random valid proofs verify, any single mutation is rejected", () => {
  it("inclusion", async () => {
    await fc.assert(
      fc.asyncProperty(leavesArb, fc.nat(), fc.nat(), fc.nat(), async (leaves, i, pick, bit) => {
        const { hashes, store, checkpoint } = await randomLog(leaves);
        const size = hashes.length;
        const seq = i % size;
        const cp = await checkpoint(size);
        const file: InclusionProofFile = {
          format: INCLUSION_PROOF_FORMAT,
          ok: true,
          ledgerId: "prop.example/ledger",
          seq,
          treeSize: size,
          eventHash: hashes[seq] as string,
          leafHash: toBase64(eventLeafHash(hashes[seq] as string)),
          root: toBase64(await rootAt(store, size)),
          proof: (await inclusionProof(store, seq, size)).map(toBase64),
        };
        const check = { policy, checkpoints: [cp], eventHash: hashes[seq] as string };
        const ok = verifyProofFile(formatProofFile(file), check);
        expect(E.isRight(ok) && ok.right).toMatchObject({ kind: "inclusion", seq, treeSize: size });
        for (const m of mutations(file as unknown as Record<string, unknown>, pick, bit)) {
          const r = verifyProofFile(formatProofFile(m as unknown as InclusionProofFile), check);
          expect(E.isLeft(r), JSON.stringify(m)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });

  it("consistency", async () => {
    await fc.assert(
      fc.asyncProperty(leavesArb, fc.nat(), fc.nat(), fc.nat(), async (leaves, i, pick, bit) => {
        const { hashes, store, checkpoint } = await randomLog(leaves);
        const newSize = hashes.length;
        const oldSize = 1 + (i % newSize);
        const checkpoints =
          oldSize === newSize
            ? [await checkpoint(newSize)]
            : [await checkpoint(oldSize), await checkpoint(newSize)];
        const file: ConsistencyProofFile = {
          format: CONSISTENCY_PROOF_FORMAT,
          ok: true,
          ledgerId: "prop.example/ledger",
          oldSize,
          oldRoot: toBase64(await rootAt(store, oldSize)),
          newSize,
          newRoot: toBase64(await rootAt(store, newSize)),
          proof: (oldSize === newSize ? [] : await consistencyProof(store, oldSize, newSize)).map(
            toBase64,
          ),
        };
        const ok = verifyProofFile(formatProofFile(file), { policy, checkpoints });
        expect(E.isRight(ok) && ok.right).toMatchObject({ kind: "consistency", oldSize, newSize });
        for (const m of mutations(file as unknown as Record<string, unknown>, pick, bit)) {
          const r = verifyProofFile(formatProofFile(m as unknown as ConsistencyProofFile), {
            policy,
            checkpoints,
          });
          expect(E.isLeft(r), JSON.stringify(m)).toBe(true);
        }
      }),
      { numRuns: 60 },
    );
  });
});

/** The plain one-character-at-a-time scan `repeatsMemberName` must agree with. */
function repeatsMemberNameReference(text: string): boolean {
  const objects: (Set<string> | undefined)[] = [];
  let expectName = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === "\\" ? 2 : 1;
      const names = objects[objects.length - 1];
      if (expectName && names !== undefined) {
        const name = JSON.parse(text.slice(i, j + 1)) as string;
        if (names.has(name)) return true;
        names.add(name);
      }
      expectName = false;
      i = j;
    } else if (c === "{") {
      objects.push(new Set());
      expectName = true;
    } else if (c === "[") objects.push(undefined);
    else if (c === "}" || c === "]") objects.pop();
    else if (c === ",") expectName = objects[objects.length - 1] !== undefined;
  }
  return false;
}

describe("repeatsMemberName", () => {
  // Names from a small set, some spelled with escapes, so repeats are common; string
  // values full of quotes, backslashes and braces, as event bodies inside an extract are.
  const name = fc.constantFrom("a", "b", "\\u0061", 'a\\"', "a\\\\", "{", '\\\\\\"', "");
  const tricky = fc.string({
    unit: fc.constantFrom('"', "\\", "{", "}", "[", "]", ",", ":", "x", "é", "\n"),
  });
  const ws = fc.constantFrom("", " ", "\n  ");
  const json: fc.Arbitrary<string> = fc.letrec<{ value: string }>((tie) => ({
    value: fc.oneof(
      { depthSize: "small" },
      tricky.map((v) => JSON.stringify(v)),
      fc.integer().map(String),
      fc
        .array(fc.tuple(name, ws, tie("value")), { maxLength: 5 })
        .map((es) => `{${es.map(([k, w, v]) => `${w}"${k}"${w}:${w}${v}`).join(",")}}`),
      fc.array(tie("value"), { maxLength: 4 }).map((vs) => `[${vs.join(", ")}]`),
    ),
  })).value;

  it("agrees with the one-character scan on JSON with repeated, escaped and quoted names (fast-check)", () => {
    let repeats = 0;
    fc.assert(
      fc.property(json, (text) => {
        JSON.parse(text); // the function's precondition: the text parses
        const expected = repeatsMemberNameReference(text);
        if (expected) repeats++;
        expect(repeatsMemberName(text)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
    expect(repeats).toBeGreaterThan(50); // the generator does produce repeats
  });

  it("sees a repeat spelled with an escape, and none across sibling objects", () => {
    expect(repeatsMemberName('{"a":1,"\\u0061":2}')).toBe(true);
    expect(repeatsMemberName('{"x":"\\"a\\":{","a":1}')).toBe(false);
    expect(repeatsMemberName('[{"a":1},{"a":2}]')).toBe(false);
    expect(repeatsMemberName('{"a":{"b":1},"b":2}')).toBe(false);
    expect(repeatsMemberName('{"a":"\\\\","a":2}')).toBe(true);
  });
});
