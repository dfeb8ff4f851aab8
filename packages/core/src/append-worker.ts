import { parentPort } from "node:worker_threads";
import * as E from "fp-ts/lib/Either.js";
import type { EventInput } from "./events/input";
import { decodeEventInput } from "./events/input";
import { type SealParts, sealParts } from "./seal-parts";

/**
 * The append pool's worker (`append-pool.ts`): decodes a slice of a batch with the same
 * codec the main thread uses (`decodeEventInput`) and computes each event's
 * position-independent parts (`sealParts`). Nothing is decided here about the chain. On
 * the first input that fails, it answers `ok: false` and the main thread runs the whole
 * batch through its own single-threaded path, which throws the error that path always
 * throws (same code, path and reason), so errors never depend on threads.
 */
export interface AppendJob {
  readonly id: number;
  readonly inputs: readonly unknown[];
  readonly allowPhoneLikeIds: boolean;
  /** The ledger's envelope version: 2 adds each subject's salt and commitment (§13). */
  readonly envelope: 1 | 2;
}

/** One event's parts and its decoded personal values (sealed on the main thread). */
export interface PreparedParts {
  readonly parts: SealParts;
  readonly personal?: EventInput["personal"];
}

export type AppendJobResult =
  | { readonly id: number; readonly ok: true; readonly prepared: readonly PreparedParts[] }
  | { readonly id: number; readonly ok: false };

/** Decode and split one slice; `undefined` when any input is refused. */
export function prepareSlice(
  inputs: readonly unknown[],
  allowPhoneLikeIds: boolean,
  envelope: 1 | 2 = 1,
): PreparedParts[] | undefined {
  const out: PreparedParts[] = [];
  for (const input of inputs) {
    const decoded = decodeEventInput(input, "$", { allowPhoneLikeIds });
    if (E.isLeft(decoded)) return undefined;
    let parts: SealParts;
    try {
      parts = sealParts(decoded.right, { envelope });
    } catch {
      return undefined;
    }
    const personal = decoded.right.personal;
    out.push(personal !== undefined && personal.length > 0 ? { parts, personal } : { parts });
  }
  return out;
}

parentPort?.on("message", (job: AppendJob) => {
  const prepared = prepareSlice(job.inputs, job.allowPhoneLikeIds, job.envelope);
  parentPort?.postMessage(
    (prepared === undefined
      ? { id: job.id, ok: false }
      : { id: job.id, ok: true, prepared }) satisfies AppendJobResult,
  );
});
