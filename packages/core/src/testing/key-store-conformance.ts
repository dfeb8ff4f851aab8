import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { kekCheckValue, wrapDataKey } from "../crypto/key-wrap";
import { isDaichoError } from "../errors";
import { isTombstone, type KeyStore, type WrappedKeyRecord } from "../keys/key-store";
import { newKeyId } from "../keys/ring";

/** One key store under test. `reopen` opens the same storage again (durable stores). */
export interface KeyStoreHandle {
  readonly store: KeyStore;
  readonly reopen?: () => Promise<KeyStore>;
  readonly dispose: () => Promise<void>;
}

export type KeyStoreFactory = () => Promise<KeyStoreHandle>;

const KEK = { id: "kek-1", key: new Uint8Array(32).fill(7) };

function record(subject: string, kekId = KEK.id): WrappedKeyRecord {
  const keyId = newKeyId();
  return {
    keyId,
    subject,
    kekId,
    wrapped: wrapDataKey(KEK, { keyId, subject, kekId }, new Uint8Array(32).fill(subject.length)),
    createdAt: "2026-11-25T00:00:00.000Z",
  };
}

/**
 * The behaviour every `KeyStore` must show: KEK check set once, put-if-absent with the
 * winner returned (under the store's KEK only), provisional keys that are discarded or
 * confirmed but never both, tombstones that block new keys, idempotent destroy, atomic
 * re-wrap that refuses the wrong KEK id, and durability across reopen.
 */
export function keyStoreConformance(name: string, factory: KeyStoreFactory): void {
  describe(`KeyStore conformance: ${name}`, () => {
    let handle: KeyStoreHandle;
    beforeEach(async () => {
      handle = await factory();
    });
    afterEach(async () => {
      await handle.store.close().catch(() => undefined);
      await handle.dispose();
    });

    it("records the KEK check once and keeps the first", async () => {
      expect(await handle.store.kekCheck()).toBeNull();
      const first = { kekId: "kek-1", check: kekCheckValue(KEK) };
      await handle.store.initKekCheck(first);
      const second = await handle.store.initKekCheck({ kekId: "kek-2", check: new Uint8Array(72) });
      expect(second.kekId).toBe("kek-1");
      expect([...second.check]).toEqual([...first.check]);
    });

    it("keeps the first key of a subject and returns it to a racing writer", async () => {
      const a = record("s-1");
      const b = record("s-1");
      const [ra, rb] = await Promise.all([
        handle.store.putIfAbsent(a),
        handle.store.putIfAbsent(b),
      ]);
      expect(isTombstone(ra) || isTombstone(rb)).toBe(false);
      expect((ra as WrappedKeyRecord).keyId).toBe((rb as WrappedKeyRecord).keyId);
      const stored = await handle.store.forSubject("s-1");
      expect(stored).toHaveLength(1);
      expect([...((stored as WrappedKeyRecord[])[0]?.wrapped ?? [])]).toEqual([
        ...(ra as WrappedKeyRecord).wrapped,
      ]);
      expect(await handle.store.count()).toBe(1);
    });

    it("refuses a record wrapped under another KEK than the store's check, storing nothing", async () => {
      await handle.store.initKekCheck({ kekId: "kek-1", check: kekCheckValue(KEK) });
      const err = await handle.store.putIfAbsent(record("s-1", "kek-2")).catch((e) => e);
      expect(isDaichoError(err, "WRONG_KEK")).toBe(true);
      expect(await handle.store.forSubject("s-1")).toEqual([]);
      expect(await handle.store.count()).toBe(0);
    });

    it("discards a provisional key, never a confirmed or permanent one", async () => {
      const a = { ...record("s-1"), provisional: true };
      expect(await handle.store.putIfAbsent(a)).toMatchObject({
        keyId: a.keyId,
        provisional: true,
      });
      expect(await handle.store.forSubject("s-1")).toMatchObject([{ provisional: true }]);
      expect(await handle.store.discardProvisional("s-1", a.keyId)).toBe(true);
      expect(await handle.store.forSubject("s-1")).toEqual([]);
      expect(await handle.store.confirm("s-1", a.keyId)).toBe(false);
      expect(isTombstone(await handle.store.forSubject("s-1"))).toBe(false);
      const b = { ...record("s-2"), provisional: true };
      await handle.store.putIfAbsent(b);
      expect(await handle.store.confirm("s-2", b.keyId)).toBe(true);
      expect(await handle.store.discardProvisional("s-2", b.keyId)).toBe(false);
      const kept = (await handle.store.forSubject("s-2")) as WrappedKeyRecord[];
      expect(kept.map((r) => [r.keyId, r.provisional ?? false])).toEqual([[b.keyId, false]]);
      const c = record("s-3");
      await handle.store.putIfAbsent(c);
      expect(await handle.store.discardProvisional("s-3", c.keyId)).toBe(false);
      expect(await handle.store.count()).toBe(2);
    });

    it("lets exactly one of a racing confirm and discard take effect", async () => {
      for (let i = 0; i < 10; i++) {
        const r = { ...record(`race-${i}`), provisional: true };
        await handle.store.putIfAbsent(r);
        const [confirmed, discarded] = await Promise.all([
          handle.store.confirm(r.subject, r.keyId),
          handle.store.discardProvisional(r.subject, r.keyId),
        ]);
        const left = (await handle.store.forSubject(r.subject)) as WrappedKeyRecord[];
        expect(confirmed !== discarded).toBe(true);
        expect(left.length).toBe(confirmed ? 1 : 0);
      }
    });

    it("destroys a subject's keys, leaves a tombstone and refuses new keys for it", async () => {
      const a = record("s-1");
      await handle.store.putIfAbsent(a);
      await handle.store.putIfAbsent(record("s-2"));
      const destroyed = await handle.store.destroy("s-1", "2026-11-25T01:00:00.000Z");
      expect(destroyed).toEqual({ destroyed: [a.keyId] });
      const after = await handle.store.forSubject("s-1");
      expect(isTombstone(after)).toBe(true);
      expect(isTombstone(await handle.store.putIfAbsent(record("s-1")))).toBe(true);
      expect(await handle.store.count()).toBe(1);
      expect(await handle.store.forSubject("s-2")).toHaveLength(1);
    });

    it("is idempotent on a second destroy", async () => {
      await handle.store.putIfAbsent(record("s-1"));
      await handle.store.destroy("s-1", "2026-11-25T01:00:00.000Z");
      const again = await handle.store.destroy("s-1", "2026-11-25T02:00:00.000Z");
      expect(isTombstone(again)).toBe(true);
      if (isTombstone(again)) expect(again.erasedAt).toBe("2026-11-25T01:00:00.000Z");
    });

    it("re-wraps every record atomically and refuses another KEK id", async () => {
      await handle.store.initKekCheck({ kekId: "kek-1", check: kekCheckValue(KEK) });
      for (let i = 0; i < 5; i++) await handle.store.putIfAbsent(record(`s-${i}`));
      const err = await handle.store
        .rewrapAll("kek-0", (r) => r, { kekId: "kek-2", check: new Uint8Array(72) })
        .catch((e) => e);
      expect(isDaichoError(err, "WRONG_KEK")).toBe(true);
      expect((await handle.store.kekCheck())?.kekId).toBe("kek-1");
      const n = await handle.store.rewrapAll(
        "kek-1",
        (r) => ({ ...r, kekId: "kek-2", wrapped: r.wrapped.map((b) => b ^ 1) }),
        {
          kekId: "kek-2",
          check: new Uint8Array(72).fill(2),
        },
      );
      expect(n).toBe(5);
      expect((await handle.store.kekCheck())?.kekId).toBe("kek-2");
      const r = (await handle.store.forSubject("s-3")) as WrappedKeyRecord[];
      expect(r[0]?.kekId).toBe("kek-2");
    });

    it("keeps records and tombstones across reopen", async () => {
      if (handle.reopen === undefined) return;
      const a = record("s-1");
      await handle.store.putIfAbsent(a);
      await handle.store.putIfAbsent(record("s-2"));
      await handle.store.putIfAbsent({ ...record("s-3"), provisional: true });
      await handle.store.destroy("s-2", "2026-11-25T01:00:00.000Z");
      await handle.store.close();
      handle = { ...handle, store: await handle.reopen() };
      const r = (await handle.store.forSubject("s-1")) as WrappedKeyRecord[];
      expect([...(r[0]?.wrapped ?? [])]).toEqual([...a.wrapped]);
      expect(r[0]?.provisional ?? false).toBe(false);
      expect(await handle.store.forSubject("s-3")).toMatchObject([{ provisional: true }]);
      expect(isTombstone(await handle.store.forSubject("s-2"))).toBe(true);
    });

    it("rejects use after close with STORE_CLOSED", async () => {
      await handle.store.close();
      const err = await handle.store.count().catch((e) => e);
      expect(isDaichoError(err, "STORE_CLOSED")).toBe(true);
    });
  });
}
