import type { LedgerEvent } from "../events/envelope";
import { mapKey } from "../map/hash";
import { SubjectMap } from "../map/subject-map";

/**
 * The subject-map root of events `[0, size)` rebuilt from scratch, the way a stranger
 * would (spec §12.1–12.2): one entry per subject id, counted in order. For tests that
 * compare what a checkpoint signs with a fresh rebuild.
 */
export async function rebuiltMapRoot(
  ledger: { read(range: { to: number }): AsyncIterable<LedgerEvent> },
  size: number,
): Promise<Uint8Array> {
  const map = new SubjectMap();
  for await (const e of ledger.read({ to: size })) {
    for (const s of e.subjects ?? []) {
      const k = mapKey(s.id);
      map.set(k, { count: (map.get(k)?.count ?? 0) + 1, lastSeq: e.seq, lastHash: e.hash });
    }
  }
  return map.root();
}
