import type { Kek } from "../crypto/key-wrap";
import { DaichoError } from "../errors";
import { Id, type KeyCopies } from "../events/index";
import type { KeyRing } from "../keys/ring";

/**
 * Run right after a subject's keys are destroyed: say whether copies of them could still
 * unwrap, and close that window when the host allows (docs/spec.md §10.8).
 *
 * - The key store keeps no copies (`residue: "none"`): `none`.
 * - It may (`residue: "log"` or unstated) and the host gave `nextKek`: every remaining
 *   key is re-wrapped under the next KEK in one atomic step (`rotateKek`), so each copy
 *   left behind is wrapped under the KEK just retired: `retired-kek`, naming it.
 * - Otherwise: `current-kek`, naming the KEK the copies still unwrap under.
 *
 * `kekId` is left out when the KEK's id is not an Id (spec §2.3). Rejects with
 * `INVALID_ARGUMENT`, before rotating, when `nextKek` returns the same id or one that is
 * not an Id.
 */
export async function closeKeyWindow(
  keys: KeyRing,
  nextKek: ((retiredKekId: string) => Kek | Promise<Kek>) | undefined,
): Promise<{ keyCopies: KeyCopies; kekId?: string }> {
  if ((keys.store.residue ?? "log") === "none") return { keyCopies: "none" };
  const current = keys.kekId;
  const named = Id.is(current) ? { kekId: current } : {};
  if (nextKek === undefined) return { keyCopies: "current-kek", ...named };
  const next = await nextKek(current);
  if (!Id.is(next.id) || next.id === current) {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "nextKek must return a new KEK whose id is an Id (docs/spec.md §2.3); the keys are destroyed, run execute again",
      { path: "nextKek" },
    );
  }
  await keys.rotateKek(next);
  return { keyCopies: "retired-kek", ...named };
}
