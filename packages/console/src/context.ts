/**
 * One ledger as the console serves it: the ledger, its incremental watch (verified head,
 * folded alerts), the erasure services per actor, and the tree and key for evidence.
 */
import { DaichoError, isDaichoError, type Ledger } from "@daicho/core";
import { parseVerifierKey } from "@daicho/core/checkpoint";
import type { ErasureService } from "@daicho/core/erasure";
import type { LedgerTree } from "@daicho/core/merkle";
import * as E from "fp-ts/lib/Either.js";
import type { ConsoleActor, ConsoleLedger } from "./options";
import { LedgerWatch } from "./watch";

export class LedgerContext {
  readonly ledger: Ledger;
  readonly watch: LedgerWatch;
  readonly tree: LedgerTree | undefined;
  readonly verifierKey: string | undefined;
  private readonly erasureFor: (actor: ConsoleActor) => ErasureService;
  private readonly services = new Map<string, ErasureService>();

  constructor(source: ConsoleLedger) {
    this.ledger = source.ledger;
    this.watch = new LedgerWatch(source.ledger.store, source.ledger.genesis);
    this.tree = source.tree;
    this.erasureFor = source.erasureFor;
    if (source.verifierKey !== undefined && E.isLeft(parseVerifierKey(source.verifierKey))) {
      throw new DaichoError("INVALID_ARGUMENT", "`verifierKey` is not a verifier key line", {
        path: "verifierKey",
      });
    }
    this.verifierKey = source.verifierKey;
  }

  /** The erasure service acting as `actor` (one per actor id, so its view is folded once). */
  erasure(actor: ConsoleActor): ErasureService {
    const key = `${actor.id}\u0000${actor.role}`;
    let s = this.services.get(key);
    if (s === undefined) {
      s = this.erasureFor(actor);
      this.services.set(key, s);
    }
    return s;
  }

  /**
   * Catch the watch up and refuse a state change on a ledger whose incremental
   * verification failed: a decision must rest on a chain that verified.
   */
  async beforeChange(): Promise<void> {
    await this.watch.catchUp();
    this.watch.assertIntact();
  }

  /** The log's verifier, or NOT_FOUND when the host gave no key (no checkpoint evidence then). */
  verifier() {
    if (this.verifierKey === undefined || this.tree === undefined)
      throw new DaichoError(
        "NOT_FOUND",
        "this console was mounted without `tree` and `verifierKey`",
        {
          path: "verifierKey",
        },
      );
    return E.getOrElseW((e: DaichoError) => {
      throw e;
    })(parseVerifierKey(this.verifierKey));
  }
}

/** True for the errors that mean "nothing about this" rather than a failure. */
export const isNotFound = (e: unknown): boolean => isDaichoError(e, "NOT_FOUND");
