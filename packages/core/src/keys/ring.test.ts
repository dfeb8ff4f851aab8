import { describe, expect, it } from "vitest";
import { isRedacted } from "../crypto/redacted";
import { isDaichoError } from "../errors";
import type { EventInput } from "../events/input";
import { openLedger } from "../ledger";
import { memoryStore } from "../store/memory";
import { overrideStore } from "../testing/override-store";
import { isTombstone, type KeyStore, type WrappedKeyRecord } from "./key-store";
import { memoryKeyStore } from "./memory";

const kek = { id: "kek-1", key: new Uint8Array(32).fill(9) };
const actor = { id: "user-1" };

function withEmail(subject: string, email: string): EventInput {
  return {
    type: "record.created",
    actor,
    subjects: [subject],
    payload: { resource: { type: "contact", id: subject }, fields: ["email"] },
    personal: [{ subject, field: "email", value: email }],
  } as EventInput;
}

/** Copy every record of a memory key store (what an old backup would hold). */
async function snapshot(store: KeyStore, subjects: string[]): Promise<WrappedKeyRecord[]> {
  const out: WrappedKeyRecord[] = [];
  for (const s of subjects) {
    const r = await store.forSubject(s);
    if (!isTombstone(r)) out.push(...r.map((x) => ({ ...x, wrapped: x.wrapped.slice() })));
  }
  return out;
}

describe("KeyRing", () => {
  it("rejects the wrong KEK with WRONG_KEK and leaves the key store untouched", async () => {
    const keys = memoryKeyStore();
    const store = memoryStore();
    const ledger = await openLedger({ store, ledgerId: "ring.test/l", keys: { store: keys, kek } });
    await ledger.append(withEmail("c-1", "a@example.org"));
    const before = await snapshot(keys, ["c-1"]);
    const err = await openLedger({
      store,
      keys: { store: keys, kek: { id: "kek-1", key: new Uint8Array(32).fill(1) } },
    }).catch((e) => e);
    expect(isDaichoError(err, "WRONG_KEK")).toBe(true);
    const renamed = await openLedger({
      store,
      keys: { store: keys, kek: { id: "kek-2", key: kek.key } },
    }).catch((e) => e);
    expect(isDaichoError(renamed, "WRONG_KEK")).toBe(true);
    expect(await snapshot(keys, ["c-1"])).toEqual(before);
    expect((await keys.kekCheck())?.kekId).toBe("kek-1");
  });

  it("rotates the KEK by re-wrapping data keys without touching events", async () => {
    const keys = memoryKeyStore();
    const store = memoryStore();
    const ledger = await openLedger({ store, ledgerId: "ring.test/l", keys: { store: keys, kek } });
    for (let i = 0; i < 5; i++) await ledger.append(withEmail(`c-${i}`, `p${i}@example.org`));
    const headBefore = await ledger.head();
    const next = { id: "kek-2", key: new Uint8Array(32).fill(5) };
    expect(await ledger.keys?.rotateKek(next)).toBe(5);
    expect(await ledger.head()).toEqual(headBefore);
    expect((await ledger.verify()).ok).toBe(true);
    const err = await openLedger({ store, keys: { store: keys, kek } }).catch((e) => e);
    expect(isDaichoError(err, "WRONG_KEK")).toBe(true);
    const reopened = await openLedger({ store, keys: { store: keys, kek: next } });
    const values: unknown[] = [];
    for await (const e of reopened.readOpened()) values.push(...e.fields.map((f) => f.value));
    expect(values).toEqual([0, 1, 2, 3, 4].map((i) => `p${i}@example.org`));
  });

  it("refuses a subject's key restored from an old backup once the ledger holds its fence", async () => {
    const keys = memoryKeyStore();
    const store = memoryStore();
    const ledger = await openLedger({ store, ledgerId: "ring.test/l", keys: { store: keys, kek } });
    await ledger.append(withEmail("c-1", "gone@example.org"));
    await ledger.append(withEmail("c-2", "kept@example.org"));
    const backup = await snapshot(keys, ["c-1", "c-2"]);
    const check = await keys.kekCheck();
    // Erase c-1 the low-level way: fence event, then destroy.
    await ledger.append({
      type: "erasure.fenced",
      actor,
      subjects: ["c-1"],
      payload: { requestId: "er-1", keyIds: backup.map((r) => r.keyId) },
    });
    await ledger.keys?.destroy("c-1");
    // Restore the old key store into a fresh one and reopen the ledger on it.
    const restored = memoryKeyStore();
    if (check === null) throw new Error("no KEK check");
    await restored.initKekCheck(check);
    for (const r of backup) await restored.putIfAbsent(r);
    const again = await openLedger({ store, keys: { store: restored, kek } });
    const fields = [];
    for await (const e of again.readOpened()) fields.push(...e.fields);
    expect(fields).toHaveLength(2);
    expect(isRedacted(fields[0]?.value) && fields[0]?.value.reason).toBe("erased");
    expect(fields[1]?.value).toBe("kept@example.org");
    const err = await again.append(withEmail("c-1", "back@example.org")).catch((e) => e);
    expect(isDaichoError(err, "KEY_ERASED")).toBe(true);
  });

  it("evicts the cached key when a fence is appended through the ledger", async () => {
    const keys = memoryKeyStore();
    const ledger = await openLedger({
      store: memoryStore(),
      ledgerId: "ring.test/l",
      keys: { store: keys, kek },
    });
    const e = await ledger.append(withEmail("c-1", "x@example.org"));
    expect((await ledger.openPersonal(e))[0]?.value).toBe("x@example.org");
    // Fence only (keys not yet destroyed): the cached key must not be served any more.
    await ledger.append({
      type: "erasure.fenced",
      actor,
      subjects: ["c-1"],
      payload: { requestId: "er-1", keyIds: [] },
    });
    const [f] = await ledger.openPersonal(e);
    expect(isRedacted(f?.value) && f?.value.reason).toBe("erased");
  });

  it("reads as key-unavailable when the key store lacks the key, and needs keys for personal input", async () => {
    const store = memoryStore();
    const ledger = await openLedger({
      store,
      ledgerId: "ring.test/l",
      keys: { store: memoryKeyStore(), kek },
    });
    const e = await ledger.append(withEmail("c-1", "x@example.org"));
    const other = await openLedger({ store, keys: { store: memoryKeyStore(), kek } });
    const [f] = await other.openPersonal(e);
    expect(isRedacted(f?.value) && f?.value.reason).toBe("key-unavailable");
    const plain = await openLedger({ store });
    expect(
      isDaichoError(
        await plain.append(withEmail("c-2", "y@example.org")).catch((x) => x),
        "KEY_UNAVAILABLE",
      ),
    ).toBe(true);
    expect(isDaichoError(await plain.openPersonal(e).catch((x) => x), "KEY_UNAVAILABLE")).toBe(
      true,
    );
  });
});

describe("the fence across processes (refresh before every key is served)", () => {
  it("refuses a key cached before another process recorded the fence, on the next read", async () => {
    const store = memoryStore();
    const keys = memoryKeyStore();
    const eraser = await openLedger({ store, ledgerId: "ring.test/l", keys: { store: keys, kek } });
    const e = await eraser.append(withEmail("c-1", "x@example.org"));
    const worker = await openLedger({ store, keys: { store: keys, kek } });
    expect((await worker.openPersonal(e))[0]?.value).toBe("x@example.org"); // cached now
    await eraser.append({
      type: "erasure.fenced",
      actor,
      subjects: ["c-1"],
      payload: { requestId: "er-1", keyIds: [] },
    });
    const [f] = await worker.openPersonal(e);
    expect(isRedacted(f?.value) && f?.value.reason).toBe("erased");
    const err = await worker.append(withEmail("c-1", "y@example.org")).catch((x) => x);
    expect(isDaichoError(err, "KEY_ERASED")).toBe(true);
  });

  it("reads only the head while the ledger does not move, and never reads back its own appends", async () => {
    const inner = memoryStore();
    let reads = 0;
    let heads = 0;
    const store = overrideStore(inner, {
      read: (r) => {
        reads++;
        return inner.read(r);
      },
      head: () => {
        heads++;
        return inner.head();
      },
    });
    const ledger = await openLedger({
      store,
      ledgerId: "ring.test/l",
      keys: { store: memoryKeyStore(), kek },
    });
    const e = await ledger.append(withEmail("c-1", "x@example.org"));
    for (let i = 0; i < 5; i++) await ledger.append(withEmail("c-1", `x${i}@example.org`));
    reads = 0;
    heads = 0;
    for (let i = 0; i < 10; i++) await ledger.openPersonal(e);
    expect({ reads, heads }).toEqual({ reads: 0, heads: 10 });
  });

  it("fails closed with STORE_CORRUPT when events appended elsewhere do not verify", async () => {
    const inner = memoryStore();
    const keys = memoryKeyStore();
    const other = await openLedger({
      store: inner,
      ledgerId: "ring.test/l",
      keys: { store: keys, kek },
    });
    const e = await other.append(withEmail("c-1", "x@example.org"));
    let forged = false;
    const store = overrideStore(inner, {
      async *read(r) {
        for await (const s of inner.read(r)) {
          // The fence event's bytes, as an operator hiding it would leave them.
          yield forged && s.body.includes('"erasure.fenced"')
            ? { ...s, body: s.body.replace('"erasure.fenced"', '"record.updated"') }
            : s;
        }
      },
    });
    const worker = await openLedger({ store, keys: { store: keys, kek } });
    expect((await worker.openPersonal(e))[0]?.value).toBe("x@example.org");
    forged = true;
    await other.append({
      type: "erasure.fenced",
      actor,
      subjects: ["c-1"],
      payload: { requestId: "er-1", keyIds: [] },
    });
    const err = await worker.openPersonal(e).catch((x) => x);
    expect(isDaichoError(err, "STORE_CORRUPT")).toBe(true);
  });
});
