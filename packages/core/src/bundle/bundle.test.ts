import fc from "fast-check";
import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import { emitCheckpoint } from "../checkpoint/emit";
import { ed25519Signer } from "../checkpoint/signer";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { catchUp, type LedgerTree } from "../merkle/ledger-tree";
import { memoryTreeStore } from "../merkle/memory-tree-store";
import { memoryStore } from "../store/memory";
import { sampleInputs } from "../testing/fixtures";
import { buildBundle, exportBundle } from "./export";
import { verifyBundle } from "./verify";

const ledgerId = "crm.example.com/ledger";
const log = ed25519Signer(ledgerId, new Uint8Array(32).fill(1));
const stranger = ed25519Signer(ledgerId, new Uint8Array(32).fill(2));
const policy = { keys: [log.verifier] };

async function setup(inputs: readonly EventInput[] = sampleInputs(80)) {
  const ledger = await openLedger({ store: memoryStore(), ledgerId });
  await ledger.appendBatch(inputs.slice(0, 50));
  const tree = await catchUp(memoryTreeStore(), ledger.store);
  const cp50 = (await emitCheckpoint(tree, log, ledgerId)).note;
  await ledger.appendBatch(inputs.slice(50));
  const cp80 = (await emitCheckpoint(tree, log, ledgerId)).note;
  return { ledger, tree, cp50, cp80 };
}

const code = (r: E.Either<{ code: string }, unknown>) => (E.isLeft(r) ? r.left.code : "OK");

describe("audit bundles", () => {
  it("verify offline: events, chain, range proof, checkpoint and consistency with an older checkpoint", async () => {
    const { tree, cp50, cp80 } = await setup();
    const bundle = JSON.stringify(
      await exportBundle(tree, ledgerId, { from: 10, to: 30, older: [cp50], policy }),
    );
    const report = verifyBundle(bundle, { policy, held: cp50 });
    expect(E.isRight(report) && report.right).toMatchObject({
      ledgerId,
      from: 10,
      to: 30,
      checkpoint: { size: 80, verifiedBy: [ledgerId] },
      extends: [{ size: 50 }],
      held: { size: 50 },
    });
    expect(code(verifyBundle(bundle, { policy, held: cp80 }))).toBe("OK");
  });

  it("verify a bundle that starts at the genesis event and one that ends at the checkpoint", async () => {
    const { tree } = await setup();
    for (const [from, to] of [
      [0, 1],
      [0, 80],
      [79, 80],
      [33, 64],
    ] as const) {
      const bundle = JSON.stringify(await exportBundle(tree, ledgerId, { from, to, policy }));
      expect(code(verifyBundle(bundle, { policy })), `${from}-${to}`).toBe("OK");
    }
  });

  it("give a precise typed error for each kind of damage", async () => {
    const { tree } = await setup();
    const good = await exportBundle(tree, ledgerId, { from: 10, to: 30, policy });
    const text = JSON.stringify(good);
    const mutate = (f: (b: typeof good) => unknown) => {
      const copy = structuredClone(good);
      return JSON.stringify(f(copy) ?? copy);
    };
    const cases: [string, string, string][] = [
      ["truncated file", text.slice(0, text.length - 100), "BUNDLE_INVALID"],
      ["empty file", "", "BUNDLE_INVALID"],
      ["wrong format", mutate((b) => ({ ...b, format: "other/v1" })), "BUNDLE_INVALID"],
      [
        "event bytes changed",
        mutate((b) => {
          b.events[3] = { ...(b.events[3] as (typeof b.events)[number]) };
          b.events[3].body = b.events[3].body.replace('"actor"', '"actor "');
        }),
        "BUNDLE_INVALID",
      ],
      [
        "event dropped",
        mutate((b) => {
          b.events.splice(5, 1);
        }),
        "BUNDLE_INVALID",
      ],
      [
        "events swapped",
        mutate((b) => {
          b.events.reverse();
        }),
        "BUNDLE_INVALID",
      ],
      [
        "anchor changed",
        mutate((b) => {
          b.anchor = "0".repeat(64);
        }),
        "BUNDLE_INVALID",
      ],
      [
        "anchor removed",
        mutate((b) => {
          delete b.anchor;
        }),
        "BUNDLE_INVALID",
      ],
      [
        "range beyond checkpoint",
        mutate((b) => {
          b.range.to = 81;
        }),
        "BUNDLE_INVALID",
      ],
      [
        "proof hash too short",
        mutate((b) => {
          b.rangeProof.right[0] = "AAAA";
        }),
        "BUNDLE_INVALID",
      ],
      [
        "proof hash flipped",
        mutate((b) => {
          b.rangeProof.left[0] = `B${(b.rangeProof.left[0] as string).slice(1)}`;
        }),
        "PROOF_INVALID",
      ],
      [
        "proof hash missing",
        mutate((b) => {
          b.rangeProof.right.pop();
        }),
        "PROOF_INVALID",
      ],
      [
        "checkpoint size changed",
        mutate((b) => {
          b.checkpoint = b.checkpoint.replace("\n80\n", "\n81\n");
        }),
        "SIGNATURE_INVALID",
      ],
      [
        "checkpoint garbled",
        mutate((b) => {
          b.checkpoint = b.checkpoint.replace("\n\n", "\n");
        }),
        "CHECKPOINT_INVALID",
      ],
      [
        "other ledger id",
        mutate((b) => {
          b.ledgerId = "other.example/ledger";
        }),
        "CHECKPOINT_INVALID",
      ],
    ];
    for (const [name, bundle, expected] of cases) {
      expect(code(verifyBundle(bundle, { policy })), name).toBe(expected);
    }
  });

  it("rejects a checkpoint signed by a key the auditor does not trust", async () => {
    const { tree } = await setup();
    const forged = await catchUp(memoryTreeStore(), tree.events);
    const note = (await emitCheckpoint(forged, stranger, ledgerId)).note;
    const bundle = JSON.stringify(
      await buildBundle(forged, ledgerId, { from: 0, to: 5, checkpoint: note }),
    );
    expect(code(verifyBundle(bundle, { policy }))).toBe("SIGNATURE_INVALID");
  });

  it("detects rollback, truncation and a forked history against the checkpoint the auditor holds", async () => {
    const { cp80 } = await setup();
    // The log later presents a rewritten history (event 20 replaced), correctly signed by its own key.
    const inputs = sampleInputs(90);
    inputs[20] = sampleInputs(1, 500)[0] as EventInput;
    const fork = await openLedger({ store: memoryStore(), ledgerId });
    await fork.appendBatch(inputs);
    const forkTree: LedgerTree = await catchUp(memoryTreeStore(), fork.store);
    const forkCp = (await emitCheckpoint(forkTree, log, ledgerId)).note;
    const forked = JSON.stringify(
      await buildBundle(forkTree, ledgerId, { from: 0, to: 90, checkpoint: forkCp }),
    );
    expect(code(verifyBundle(forked, { policy }))).toBe("OK"); // internally consistent…
    const r = verifyBundle(forked, { policy, held: cp80 }); // …but it does not extend what the auditor holds
    expect(E.isLeft(r) && r.left.code).toBe("PROOF_INVALID");
    // A forged consistency proof from the held checkpoint cannot help either.
    const withProof = JSON.parse(forked);
    withProof.consistency = [
      {
        checkpoint: cp80,
        proof: (await forkTree.consistencyProof(80, 90)).map((p) =>
          Buffer.from(p).toString("base64"),
        ),
      },
    ];
    expect(code(verifyBundle(JSON.stringify(withProof), { policy, held: cp80 }))).toBe(
      "PROOF_INVALID",
    );
    // Truncation: the log rolled back to 60 events and signs that.
    const short = await openLedger({ store: memoryStore(), ledgerId });
    await short.appendBatch(sampleInputs(60));
    const shortTree = await catchUp(memoryTreeStore(), short.store);
    const shortCp = (await emitCheckpoint(shortTree, log, ledgerId)).note;
    const rolledBack = JSON.stringify(
      await buildBundle(shortTree, ledgerId, { from: 0, to: 60, checkpoint: shortCp }),
    );
    const rb = verifyBundle(rolledBack, { policy, held: cp80 });
    expect(E.isLeft(rb) && rb.left.reason).toMatch(/older than the one you hold/);
  });

  it("fails on any single-character change to the file unless the change leaves its meaning intact", async () => {
    const { tree } = await setup();
    const text = JSON.stringify(await exportBundle(tree, ledgerId, { from: 40, to: 44, policy }));
    const original = JSON.parse(text);
    fc.assert(
      fc.property(fc.nat(text.length - 1), fc.integer({ min: 32, max: 126 }), (at, c) => {
        const ch = String.fromCharCode(c);
        fc.pre(text[at] !== ch);
        const mutated = text.slice(0, at) + ch + text.slice(at + 1);
        const r = verifyBundle(mutated, { policy });
        if (E.isRight(r)) {
          const reparsed = JSON.parse(mutated);
          expect({ ...reparsed, ...pick(original, reparsed) }).toEqual(original);
        }
      }),
      { numRuns: 400 },
    );
  });

  it("cannot be exported for a range the checkpoint does not cover", async () => {
    const { tree, cp50 } = await setup();
    await expect(
      exportBundle(tree, ledgerId, { from: 40, to: 60, checkpoint: cp50, policy }),
    ).rejects.toMatchObject({
      code: "INVALID_ARGUMENT",
    });
  });
});

/** Members of `original` that `reparsed` lacks under the same name (a renamed, ignored member). */
function pick(
  original: Record<string, unknown>,
  reparsed: Record<string, unknown>,
): Record<string, unknown> {
  return Object.fromEntries(Object.entries(original).filter(([k]) => !(k in reparsed)));
}
