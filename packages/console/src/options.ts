import { type ChainHead, DaichoError, type Ledger } from "@daicho/core";
import type { ErasureService } from "@daicho/core/erasure";
import type { ContactPoint } from "@daicho/core/incidents";
import type { LedgerTree } from "@daicho/core/merkle";
import type { Regulations } from "@daicho/core/reports";
import type { RequestsServiceOptions } from "@daicho/core/requests";
import { CONSOLE_ROLES, type ConsoleRole } from "./roles";

/** The console user, as the host's authentication established them. */
export interface ConsoleUser {
  /** The actor id every event the console records for this user names. */
  readonly actor: string;
  /** The console roles the host gives this user; unknown roles grant nothing. */
  readonly roles: readonly ConsoleRole[];
  /** BCP 47 tag; `ja…` shows Japanese, anything else English (the user can switch). */
  readonly locale?: string;
  /** IANA time zone dates are shown in (default `Asia/Tokyo`). */
  readonly timeZone?: string;
}

/** The actor the console records events as: the user's id and their first console role. */
export interface ConsoleActor {
  readonly id: string;
  readonly role: ConsoleRole;
}

/** One ledger the console shows, with what its pages and actions need. */
export interface ConsoleLedger {
  readonly ledger: Ledger;
  /**
   * The erasure API acting as `actor`: the console records every queue action under the
   * user who took it, so it asks the host for a service per actor (cached per actor id).
   * The host keeps the certificate signer; the console never sees a private key.
   */
  readonly erasureFor: (actor: ConsoleActor) => ErasureService;
  /** The Merkle tree: checkpoints and audit bundles need it (without it those exports 404). */
  readonly tree?: LedgerTree;
  /** The log's verifier key (`name+hash+base64`): checkpoints and bundles verify under it. */
  readonly verifierKey?: string;
  /**
   * Per-regime deadline overrides for data-subject requests (e.g. APPI's internal target),
   * as `requestsService` takes them; the queue's due dates and the actions use the same.
   */
  readonly requestDeadlines?: RequestsServiceOptions["deadlines"];
  /** The legal numbers incidents' deadlines are computed from (default: the statutory ones). */
  readonly regulations?: Regulations;
  /**
   * The contact point a GDPR Art. 33(3)(b) notice names (the DPO's office): given to the
   * report at download, never recorded. Without it the GDPR notice is not offered (404).
   */
  readonly incidentContact?: ContactPoint;
  /**
   * A head (`{ seq, hash }`) verified in full before — by `ledger.verify()` / `daicho
   * verify`, or the `head` an earlier console process's `catchUp()` reported — so the
   * start-up pass begins there instead of at genesis: the lists are folded from the type
   * index up to it (each event hash-checked) and every later event is verified as usual.
   * The held head's own event must still have that hash. Keep it where the ledger's
   * operator cannot rewrite it. Left out: the whole ledger is verified once (the default).
   */
  readonly verifiedHead?: ChainHead;
}

export interface ConsoleOptions extends Partial<ConsoleLedger> {
  /** Several ledgers (one per tenant, say); the page picks one by `ledgerId`. */
  readonly ledgers?: readonly ConsoleLedger[];
  /**
   * Establish the user from the request (the host's session cookie, SSO header, …); null →
   * 401. Required: without it `consoleHandler` refuses to construct. The console has no
   * user store of its own.
   */
  readonly authenticate: (request: Request) => Promise<ConsoleUser | null> | ConsoleUser | null;
  /** Path prefix the console is mounted under, e.g. `/compliance` (default: none). */
  readonly basePath?: string;
  /**
   * Origins allowed to send state-changing requests (default: the request URL's own
   * origin). Set it behind a proxy that rewrites the host.
   */
  readonly allowedOrigins?: readonly string[];
  /**
   * The purposes a user may name when opening a subject: the access event records one.
   * A closed list, so typed text never becomes a label in the log.
   */
  readonly purposes?: readonly string[];
  /** Largest request body in bytes (default 16 KiB). */
  readonly maxBodyBytes?: number;
  readonly clock?: () => Date;
}

/** Purposes offered when the host names none. */
export const DEFAULT_PURPOSES = [
  "dsr-response",
  "audit",
  "support-inquiry",
  "incident-investigation",
] as const;

/** The ledgers of `options`, checked: at least one, ids distinct, a callback each. */
export function ledgersOf(options: ConsoleOptions): readonly ConsoleLedger[] {
  const list: ConsoleLedger[] = [...(options.ledgers ?? [])];
  if (options.ledger !== undefined) {
    if (typeof options.erasureFor !== "function") {
      throw new DaichoError("INVALID_ARGUMENT", "`ledger` needs `erasureFor(actor)` beside it", {
        path: "erasureFor",
      });
    }
    list.unshift({
      ledger: options.ledger,
      erasureFor: options.erasureFor,
      ...(options.tree ? { tree: options.tree } : {}),
      ...(options.verifierKey ? { verifierKey: options.verifierKey } : {}),
      ...(options.requestDeadlines ? { requestDeadlines: options.requestDeadlines } : {}),
      ...(options.regulations ? { regulations: options.regulations } : {}),
      ...(options.incidentContact ? { incidentContact: options.incidentContact } : {}),
      ...(options.verifiedHead ? { verifiedHead: options.verifiedHead } : {}),
    });
  }
  if (list.length === 0) {
    throw new DaichoError("INVALID_ARGUMENT", "give the console a `ledger` or `ledgers`", {
      path: "ledger",
    });
  }
  const ids = new Set(list.map((l) => l.ledger.ledgerId));
  if (ids.size !== list.length) {
    throw new DaichoError("INVALID_ARGUMENT", "two of `ledgers` have the same ledgerId", {
      path: "ledgers",
    });
  }
  return list;
}

/** Refuse a missing `authenticate`: a console without the host's login would be open to all. */
export function checkedAuthenticate(options: ConsoleOptions): ConsoleOptions["authenticate"] {
  if (typeof options?.authenticate !== "function") {
    throw new DaichoError(
      "INVALID_ARGUMENT",
      "`authenticate(request)` is required: return the signed-in user `{ actor, roles }` from your own session, or null",
      { path: "authenticate" },
    );
  }
  return options.authenticate;
}

/** The user's console roles, unknown ones dropped; the first is the role recorded. */
export function actorOf(user: ConsoleUser): ConsoleActor | undefined {
  const role = (user.roles ?? []).find((r) => CONSOLE_ROLES.includes(r));
  return role === undefined ? undefined : { id: user.actor, role };
}
