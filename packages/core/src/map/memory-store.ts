import { DaichoError } from "../errors";
import { bytesToHex, hexToBytes } from "../hash";
import type { MapRecord, MapWrite } from "./record";
import type { MapStore } from "./store";
import { checkVersionWrite } from "./store-checks";

/**
 * An in-memory `MapStore`: the same contract as the durable stores within one process.
 * Used by tests, by short-lived ledgers, and as the fallback of stores without a durable
 * map (KurrentDB today): there, the first checkpoint a process emits rebuilds the map
 * from every event, and later ones extend it.
 */
export function memoryMapStore(): MapStore {
  return new MemoryMapStore();
}

class MemoryMapStore implements MapStore {
  readonly kind = "memory";
  /** Per position (hex), its records in ascending version order. */
  private readonly records = new Map<string, { version: number; record: MapRecord }[]>();
  private readonly stored: number[] = [];
  private closed = false;

  async latestVersion(): Promise<number | null> {
    this.open();
    return this.stored[this.stored.length - 1] ?? null;
  }

  async hasVersion(version: number): Promise<boolean> {
    this.open();
    return this.stored.includes(version);
  }

  async putVersion(version: number, writes: readonly MapWrite[]): Promise<void> {
    this.open();
    checkVersionWrite(version, writes, this.stored[this.stored.length - 1] ?? null);
    for (const w of writes) {
      const key = bytesToHex(w.path);
      const list = this.records.get(key) ?? [];
      list.push({ version, record: copy(w.record) });
      this.records.set(key, list);
    }
    this.stored.push(version);
  }

  async readAsOf(
    version: number,
    paths: readonly Uint8Array[],
  ): Promise<readonly (MapRecord | undefined)[]> {
    this.open();
    return paths.map((p) => {
      const list = this.records.get(bytesToHex(p));
      if (list === undefined) return undefined;
      for (let i = list.length - 1; i >= 0; i--) {
        const r = list[i] as { version: number; record: MapRecord };
        if (r.version <= version) return copy(r.record);
      }
      return undefined;
    });
  }

  async versions(): Promise<readonly number[]> {
    this.open();
    return [...this.stored];
  }

  async readVersion(version: number): Promise<readonly MapWrite[]> {
    this.open();
    const out: MapWrite[] = [];
    for (const [key, list] of [...this.records].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
      const r = list.find((x) => x.version === version);
      if (r !== undefined) out.push({ path: hexToBytes(key), record: copy(r.record) });
    }
    return out;
  }

  async readVersionPage(
    version: number,
    after: Uint8Array | undefined,
    limit: number,
  ): Promise<readonly MapWrite[]> {
    // Hex strings sort as their bytes do (a shorter prefix first), as SQL blobs do.
    const from = after === undefined ? undefined : bytesToHex(after);
    const all = await this.readVersion(version);
    return all.filter((w) => from === undefined || bytesToHex(w.path) > from).slice(0, limit);
  }

  async recordCount(): Promise<number> {
    this.open();
    let n = 0;
    for (const list of this.records.values()) n += list.length;
    return n;
  }

  async close(): Promise<void> {
    this.closed = true;
  }

  private open(): void {
    if (this.closed) throw new DaichoError("STORE_CLOSED", "map store is closed");
  }
}

function copy(r: MapRecord): MapRecord {
  return r.kind === "node"
    ? { kind: "node", left: Uint8Array.from(r.left), right: Uint8Array.from(r.right) }
    : { kind: "leaf", key: Uint8Array.from(r.key), state: { ...r.state } };
}
