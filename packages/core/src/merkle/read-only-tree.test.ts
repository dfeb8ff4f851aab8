import { describe, expect, it } from "vitest";
import { isDaichoError } from "../errors";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { sampleInputs } from "../testing/fixtures";
import { eventLeafHash } from "./hash";
import { catchUp } from "./ledger-tree";
import { memoryTreeStore } from "./memory-tree-store";
import { readOnlyTree } from "./read-only-tree";
import { verifyInclusion } from "./verify";

describe("readOnlyTree", () => {
  it("catches up in memory over a stored tree it never writes to", async () => {
    const events = memoryStore();
    const ledger = await openLedger({ store: events, ledgerId: "ro.test/ledger" });
    await ledger.appendBatch(sampleInputs(10));
    const base = memoryTreeStore();
    await catchUp(base, events);
    await ledger.appendBatch(sampleInputs(7, 10));

    const overlay = await catchUp(await readOnlyTree(base), events);
    const fresh = await catchUp(memoryTreeStore(), events);
    expect(overlay.size).toBe(17);
    expect(await base.size()).toBe(10);
    expect(await overlay.root()).toEqual(await fresh.root());
    expect(await overlay.root(10)).toEqual(await fresh.root(10));
    // A proof whose nodes come from both the stored tree and the in-memory part.
    for (const seq of [3, 12]) {
      const proof = await overlay.inclusionProof(seq);
      const stored = await events.get(seq);
      const leaf = eventLeafHash((stored as { hash: string }).hash);
      expect(verifyInclusion(seq, 17, leaf, proof, await overlay.root())._tag).toBe("Right");
    }
    await expect(
      overlay.store.putCheckpoint({
        size: 17,
        root: new Uint8Array(32),
        note: "",
        createdAt: "",
      } as never),
    ).rejects.toSatisfy((e: unknown) => isDaichoError(e, "STORE_UNAVAILABLE"));
  });
});
