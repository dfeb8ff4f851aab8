/**
 * One ledger as the console serves it: the ledger, its incremental watch (verified head,
 * folded alerts), the erasure services per actor, and the tree and key for evidence.
 */
import { DaichoError, isDaichoError, type Ledger } from "@daicho/core";
import { parseVerifierKey } from "@daicho/core/checkpoint";
import type { ErasureService } from "@daicho/core/erasure";
import { type IncidentsService, incidentsService } from "@daicho/core/incidents";
import type { LedgerTree } from "@daicho/core/merkle";
import { type RequestsService, requestsService } from "@daicho/core/requests";
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
  private readonly requestServices = new Map<string, RequestsService>();
  private readonly incidentServices = new Map<string, IncidentsService>();
  private baseRequests: RequestsService | undefined;
  private baseIncidents: IncidentsService | undefined;
  /** Console actions on one item (a request, an incident, an alert) run one at a time. */
  readonly locks = new Map<string, Promise<unknown>>();

  constructor(
    readonly source: ConsoleLedger,
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.ledger = source.ledger;
    this.watch = new LedgerWatch(
      source.ledger.store,
      source.ledger.genesis,
      source.regulations,
      source.verifiedHead,
    );
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
    return cached(this.services, actor, () => this.erasureFor(actor));
  }

  /**
   * The data-subject request service acting as `actor` (one per actor), derived with
   * `as(actor)` from one service per ledger — so the ledger is folded once for all users,
   * not once per user — with the host's deadline overrides and the console's clock.
   */
  requests(actor: ConsoleActor): RequestsService {
    this.baseRequests ??= requestsService({
      ledger: this.ledger,
      actor: CONSOLE_SYSTEM,
      clock: this.clock,
      ...(this.source.requestDeadlines ? { deadlines: this.source.requestDeadlines } : {}),
    });
    const base = this.baseRequests;
    return cached(this.requestServices, actor, () => base.as(actor));
  }

  /** The incident service acting as `actor`, derived likewise (shared view and locks). */
  incidents(actor: ConsoleActor): IncidentsService {
    this.baseIncidents ??= incidentsService({
      ledger: this.ledger,
      actor: CONSOLE_SYSTEM,
      clock: this.clock,
      ...(this.source.regulations ? { regulations: this.source.regulations } : {}),
    });
    const base = this.baseIncidents;
    return cached(this.incidentServices, actor, () => base.as(actor));
  }

  /**
   * Fold the services' shared views now (each reads the ledger once), so the first action
   * after start-up does not wait for it; `handler.catchUp()` calls it.
   */
  async warmServices(): Promise<void> {
    await Promise.all([
      this.requests(CONSOLE_SYSTEM).list(),
      this.incidents(CONSOLE_SYSTEM).list(),
    ]);
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

/** The actor the per-ledger base services are made with (they never act themselves). */
const CONSOLE_SYSTEM: ConsoleActor = { id: "daicho-console", role: "dpo" };

/** One service per actor id and role, made on first use. */
function cached<S>(map: Map<string, S>, actor: ConsoleActor, make: () => S): S {
  const key = `${actor.id}\u0000${actor.role}`;
  let s = map.get(key);
  if (s === undefined) {
    s = make();
    map.set(key, s);
  }
  return s;
}

/** True for the errors that mean "nothing about this" rather than a failure. */
export const isNotFound = (e: unknown): boolean => isDaichoError(e, "NOT_FOUND");
