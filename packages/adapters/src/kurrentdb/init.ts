import { DaichoError, type LedgerMeta } from "@daicho/core";
import { jsonRecord, NO_STREAM } from "./client";
import { failureKind, kurrentError } from "./errors";
import { META_TYPE, recordIds } from "./mapping";
import { type Ctx, leader } from "./reads";

/**
 * Write the ledger's metadata as the first event of the meta stream (`NO_STREAM`), so two
 * processes initialising one tenant agree on one ledger. The `AppendResult` is checked,
 * not assumed: a client made with `throwOnAppendFailure=false` resolves a lost race as
 * `{ success: false }`, and a success at a revision other than 0 means the stream was
 * soft-deleted and re-created. After a lost race or an unanswered attempt, the stored
 * metadata (read back from the leader) is the answer.
 */
export async function writeMeta(
  ctx: Ctx,
  meta: LedgerMeta,
  readStored: () => Promise<LedgerMeta | null>,
  options: { readonly retries: number; readonly backoffMs: number },
): Promise<LedgerMeta> {
  const record = jsonRecord(recordIds.meta(meta.ledgerId), META_TYPE, { ...meta });
  for (let attempt = 0; ; attempt++) {
    let failure: unknown;
    try {
      const result = await ctx.track(
        ctx.client.appendToStream(ctx.names.meta, record, {
          streamState: NO_STREAM,
          ...leader(ctx),
        }),
      );
      if (result.success === false) break; // lost the race, reported without throwing
      if (result.nextExpectedRevision !== 0n) {
        throw new DaichoError(
          "STORE_CORRUPT",
          "the ledger metadata was written at a revision other than 0: the meta stream had been soft-deleted",
          { path: "meta" },
        );
      }
      return meta;
    } catch (e) {
      if (e instanceof DaichoError) throw e;
      failure = e;
    }
    const kind = failureKind(failure);
    if (kind === "conflict") break;
    if (kind !== "ambiguous" && kind !== "not-leader") throw kurrentError(failure, "meta");
    const stored = await readStored().catch(() => null);
    if (stored !== null) return stored;
    if (attempt >= options.retries) throw kurrentError(failure, "meta");
    await new Promise((resolve) => setTimeout(resolve, options.backoffMs * 2 ** attempt));
  }
  const stored = await readStored();
  if (stored === null) {
    throw new DaichoError(
      "STORE_UNAVAILABLE",
      "KurrentDB refused the metadata write but holds no metadata; retry",
      { path: "meta", retryable: true },
    );
  }
  return stored;
}
