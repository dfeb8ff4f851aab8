import * as E from "fp-ts/lib/Either.js";
import { describe, expect, it } from "vitest";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { decide } from "../policy/decide";
import {
  bobOnboarded as bob,
  aliceGranted as grant,
  aliceOffboarded as offboard,
  aliceOnboarded as onboard,
  aliceSupportPolicy as policy,
  aliceRead as read,
} from "../policy/test-requests";
import { memoryStore } from "../store/memory";
import { Projector } from "./projector";
import {
  decodeSnapshot,
  deriveSnapshotKey,
  encodeBinarySnapshot,
  SNAPSHOT_BINARY_FORMAT,
  snapshotHeader,
} from "./snapshot";
import { bodyV3, frameV3 } from "./snapshot-v3-vectors";
import { Views } from "./view-set";

// Attacks on a v3 file by someone who can write it, and by an operator restoring the wrong one.
const LEDGER = "snapv3.test/ledger";
const KEY = deriveSnapshotKey(new Uint8Array(32).fill(5), LEDGER);

async function ledgerWith(batches: EventInput[][]) {
  const ledger = await openLedger({ store: memoryStore(), ledgerId: LEDGER });
  const p = await Projector.start({ ledger, snapshotKey: KEY });
  const snaps: Uint8Array[] = [];
  for (const b of batches) {
    await ledger.appendBatch(b);
    snaps.push(p.snapshotBytes());
  }
  p.stop();
  return { ledger, snaps };
}

async function restart(
  ledger: Awaited<ReturnType<typeof ledgerWith>>["ledger"],
  snapshot: string | Uint8Array,
  key?: Uint8Array,
) {
  const errors: unknown[] = [];
  const p = await Projector.start({
    ledger,
    snapshot,
    ...(key === undefined ? {} : { snapshotKey: key }),
    onError: (e) => errors.push(e),
  });
  p.stop();
  return { p, errors };
}

describe("a v3 snapshot is bound to the ledger it claims", () => {
  it("restores a genuine snapshot at its position and catches up to the head", async () => {
    const { ledger, snaps } = await ledgerWith([[onboard, grant], [offboard]]);
    const { p, errors } = await restart(ledger, snaps[0] as Uint8Array, KEY);
    expect(p.restore).toEqual({ status: "restored", seq: 1 });
    expect(errors).toEqual([]);
    expect(p.views.at.seq).toBe(2);
    // The older snapshot still allowed alice; the events after it are folded in, so she is not.
    expect(decide(p.views, policy, read).allowed).toBe(false);
  });

  it("refuses a well-MACed snapshot of another history under the same ledger id, and decides from the ledger", async () => {
    const forked = await ledgerWith([[onboard, grant], [bob]]); // alice never offboarded there
    const { ledger } = await ledgerWith([[onboard, grant], [offboard]]);
    const { p, errors } = await restart(ledger, forked.snaps[1] as Uint8Array, KEY);
    expect(p.restore).toMatchObject({ status: "rebuilt", reason: { code: "LEDGER_MISMATCH" } });
    expect(errors).toHaveLength(1);
    expect(decide(p.views, policy, read).allowed).toBe(false);
  });

  it("refuses a keyed snapshot without the key, and an unkeyed one when a key is set (downgrade)", async () => {
    const { ledger, snaps } = await ledgerWith([[onboard, grant]]);
    const noKey = await restart(ledger, snaps[0] as Uint8Array);
    expect(noKey.p.restore).toMatchObject({ reason: { code: "KEY_UNAVAILABLE" } });
    const unkeyed = encodeBinarySnapshot(new Views(), LEDGER);
    const downgrade = await restart(ledger, unkeyed, KEY);
    expect(downgrade.p.restore).toMatchObject({ reason: { code: "STORE_CORRUPT" } });
    expect(downgrade.p.views.at.seq).toBe(1); // rebuilt from the ledger instead
  });

  it("refuses another ledger's snapshot by name, before checking anything else", () => {
    const other = encodeBinarySnapshot(new Views(), "other.test/ledger", new Date(0), KEY);
    expect(decodeSnapshot(other, LEDGER, { key: KEY })).toMatchObject({
      left: { code: "LEDGER_MISMATCH" },
    });
  });

  it("reads the header without the key (unauthenticated), and names the v3 format", async () => {
    const { snaps } = await ledgerWith([[onboard, grant]]);
    const h = snapshotHeader(snaps[0] as Uint8Array);
    expect(h).toMatchObject({
      right: { format: SNAPSHOT_BINARY_FORMAT, ledgerId: LEDGER, seq: 1, auth: "hmac-sha256" },
    });
    expect(E.isRight(h) && /^[0-9a-f]{64}$/.test(h.right.hash ?? "")).toBe(true);
  });

  it("still restores v2 text, given as a string or as the file's bytes", async () => {
    const { ledger } = await ledgerWith([[onboard, grant]]);
    const live = await Projector.start({ ledger, snapshotKey: KEY });
    const text = live.snapshot();
    live.stop();
    for (const snapshot of [text, new TextEncoder().encode(text)]) {
      const { p } = await restart(ledger, snapshot, KEY);
      expect(p.restore).toEqual({ status: "restored", seq: 1 });
      expect(decide(p.views, policy, read).allowed).toBe(true);
    }
    expect(decodeSnapshot(Uint8Array.of(0x7b, 0xff), LEDGER, { key: KEY })).toMatchObject({
      left: { code: "DECODE_ERROR" },
    });
    expect(decodeSnapshot(Uint8Array.of(1, 2, 3), LEDGER, { key: KEY })).toMatchObject({
      left: { code: "DECODE_ERROR" },
    });
  });

  it("never echoes a snapshot's values in an error message", () => {
    // A well-MACed body whose actors section is a bare string (a broken or hostile writer).
    const body = bodyV3(["actors", "taro-yamada-090-1234-5678"], [0x08, 0x01, 0x00, 0x06, 0x01]);
    const bytes = frameV3(body, { ledgerId: LEDGER, seq: -1, hash: null }, KEY);
    const r = decodeSnapshot(bytes, LEDGER, { key: KEY });
    expect(r).toMatchObject({ left: { code: "DECODE_ERROR" } });
    expect(JSON.stringify(E.isLeft(r) && r.left)).not.toMatch(/taro|090/);
  });
});
