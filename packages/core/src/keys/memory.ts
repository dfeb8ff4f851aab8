import { DaichoError } from "../errors";
import {
  assertRewrapFrom,
  assertSameKek,
  type KekCheck,
  type KeyStore,
  type KeyTombstone,
  type WrappedKeyRecord,
} from "./key-store";

/**
 * An in-memory `KeyStore` for tests, demos and short-lived processes. Destroyed records
 * have their wrapped bytes zeroed before they are dropped.
 */
export function memoryKeyStore(): KeyStore {
  return new MemoryKeyStore();
}

class MemoryKeyStore implements KeyStore {
  readonly kind = "memory";
  readonly residue = "none";
  private check: KekCheck | null = null;
  private readonly keys = new Map<string, WrappedKeyRecord[]>();
  private readonly tombstones = new Map<string, KeyTombstone>();
  private closed = false;

  async kekCheck(): Promise<KekCheck | null> {
    this.open();
    return this.check;
  }

  async initKekCheck(check: KekCheck): Promise<KekCheck> {
    this.open();
    if (this.check === null) this.check = { kekId: check.kekId, check: check.check.slice() };
    return this.check;
  }

  async putIfAbsent(record: WrappedKeyRecord): Promise<WrappedKeyRecord | KeyTombstone> {
    this.open();
    const tomb = this.tombstones.get(record.subject);
    if (tomb !== undefined) return tomb;
    assertSameKek(this.check?.kekId, record.kekId);
    const existing = this.keys.get(record.subject)?.[0];
    if (existing !== undefined) return existing;
    const copy = { ...record, wrapped: record.wrapped.slice() };
    this.keys.set(record.subject, [copy]);
    return copy;
  }

  async confirm(subject: string, keyId: string): Promise<boolean> {
    this.open();
    const records = this.keys.get(subject);
    const i = records?.findIndex((r) => r.keyId === keyId) ?? -1;
    if (records === undefined || i === -1) return false;
    records[i] = { ...(records[i] as WrappedKeyRecord), provisional: false };
    return true;
  }

  async discardProvisional(subject: string, keyId: string): Promise<boolean> {
    this.open();
    const records = this.keys.get(subject) ?? [];
    const r = records.find((x) => x.keyId === keyId);
    if (r?.provisional !== true) return false;
    r.wrapped.fill(0);
    const rest = records.filter((x) => x !== r);
    if (rest.length === 0) this.keys.delete(subject);
    else this.keys.set(subject, rest);
    return true;
  }

  async forSubject(subject: string): Promise<readonly WrappedKeyRecord[] | KeyTombstone> {
    this.open();
    return this.tombstones.get(subject) ?? this.keys.get(subject) ?? [];
  }

  async destroy(
    subject: string,
    erasedAt: string,
  ): Promise<{ readonly destroyed: readonly string[] } | KeyTombstone> {
    this.open();
    const tomb = this.tombstones.get(subject);
    if (tomb !== undefined) return tomb;
    const records = this.keys.get(subject) ?? [];
    for (const r of records) r.wrapped.fill(0);
    this.keys.delete(subject);
    const keyIds = records.map((r) => r.keyId);
    this.tombstones.set(subject, { subject, keyIds, erasedAt });
    return { destroyed: keyIds };
  }

  async rewrapAll(
    fromKekId: string,
    rewrap: (r: WrappedKeyRecord) => WrappedKeyRecord,
    check: KekCheck,
  ): Promise<number> {
    this.open();
    assertRewrapFrom(this.check?.kekId, fromKekId);
    const next = new Map<string, WrappedKeyRecord[]>();
    let n = 0;
    for (const [subject, records] of this.keys) {
      next.set(
        subject,
        records.map((r) => rewrap(r)),
      );
      n += records.length;
    }
    for (const records of this.keys.values()) for (const r of records) r.wrapped.fill(0);
    this.keys.clear();
    for (const [s, r] of next) this.keys.set(s, r);
    this.check = { kekId: check.kekId, check: check.check.slice() };
    return n;
  }

  async count(): Promise<number> {
    this.open();
    let n = 0;
    for (const r of this.keys.values()) n += r.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new DaichoError("STORE_CLOSED", "key store is closed");
  }
}
