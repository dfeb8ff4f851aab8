import {
  buildBody,
  type EventInput,
  type Store,
  type StoredEvent,
  type SubjectHead,
  sealBody,
  uuidv7,
} from "@daicho/core";

/**
 * The bulk path for filler events: bodies built and hashed with the core's own `buildBody`
 * / `sealBody` and written with `store.append` in batches of 10,000, skipping decode and
 * sealing. The chain and the per-subject links are computed as the ledger would (`heads`
 * holds each subject's latest event and is updated), so `verify` passes. Appends inputs
 * `from` … `to - 1` after the store's head (`genesis` is the first event's prevHash);
 * `onBatch` hears the number of events stored after each batch.
 */
export async function bulkAppend(
  store: Store,
  range: { readonly from: number; readonly to: number },
  inputOf: (i: number) => EventInput,
  heads: Map<string, SubjectHead>,
  genesis: string,
  onBatch?: (stored: number) => void,
): Promise<void> {
  let head = await store.head();
  const recordedAt = new Date().toISOString();
  for (let start = range.from; start < range.to; start += 10_000) {
    const batch: StoredEvent[] = [];
    let seq = head === null ? 0 : head.seq + 1;
    let prevHash = head === null ? genesis : head.hash;
    for (let i = start; i < Math.min(range.to, start + 10_000); i++) {
      const stored = sealBody(
        buildBody(inputOf(i), {
          position: { seq, prevHash },
          id: uuidv7(),
          recordedAt,
          subjectHeads: heads,
        }),
      );
      for (const s of stored.subjects) heads.set(s, { seq: stored.seq, hash: stored.hash });
      batch.push(stored);
      seq++;
      prevHash = stored.hash;
    }
    await store.append(batch, head);
    const last = batch[batch.length - 1] as StoredEvent;
    head = { seq: last.seq, hash: last.hash };
    onBatch?.(last.seq + 1);
  }
}
