/**
 * The status card: the incremental verification (from the verified head kept in memory),
 * the latest checkpoint checked against the log's key, and counts folded by the watch.
 * Costs the events appended since the last call plus one checkpoint signature check.
 */
import { toBase64, verifyCheckpoint } from "@daicho/core/checkpoint";
import * as E from "fp-ts/lib/Either.js";
import type { LedgerContext } from "./context";

export async function statusOf(ctx: LedgerContext, now: Date) {
  const started = performance.now();
  const verify = await ctx.watch.catchUp();
  const verifyMs = Math.round((performance.now() - started) * 10) / 10;
  let checkpoint = null;
  const latest = await ctx.tree?.store.latestCheckpoint();
  if (latest !== undefined && latest !== null) {
    let verified: ReturnType<typeof verifyCheckpoint> | undefined;
    try {
      verified = verifyCheckpoint(latest.note, {
        keys: [ctx.verifier()],
        origin: ctx.ledger.ledgerId,
      });
    } catch {
      verified = undefined; // no key given: the checkpoint is shown as unchecked
    }
    checkpoint = {
      size: latest.size,
      createdAt: latest.createdAt,
      signature: verified === undefined ? "unchecked" : E.isRight(verified) ? "valid" : "invalid",
      signedBy: verified !== undefined && E.isRight(verified) ? verified.right.verifiedBy : [],
      root:
        verified !== undefined && E.isRight(verified)
          ? toBase64(verified.right.checkpoint.root)
          : null,
    };
  }
  const counts = ctx.watch.typeCounts;
  return {
    ledgerId: ctx.ledger.ledgerId,
    now: now.toISOString(),
    verify,
    verifyMs,
    checkpoint,
    counts: {
      alerts: ctx.watch.alertTotal,
      erasureCompleted: counts.get("erasure.completed") ?? 0,
      accesses: counts.get("data.accessed") ?? 0,
      exports: counts.get("data.exported") ?? 0,
    },
  };
}
