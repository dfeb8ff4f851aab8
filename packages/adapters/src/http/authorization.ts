import type { Ledger } from "@daicho/core";
import { type DsrAction, SELF_SERVICE } from "./routes";

/** Who is calling, as the host's authentication established it. */
export interface Principal {
  /** The actor id recorded in the ledger for what this caller does. */
  readonly actorId: string;
  readonly role?: string;
  /**
   * The data subject this caller is, when the caller is a data subject (a person signed in
   * to ask about themselves). A principal without `subject` is staff. A principal with one
   * may only act on that subject, whatever `authorize` says.
   */
  readonly subject?: string;
}

/** The host's staff authorisation: may this staff member do `action` (about `subject`)? */
export type Authorize = (
  principal: Principal,
  action: DsrAction,
  subject: string | undefined,
) => Promise<boolean> | boolean;

/**
 * What a call is about: one subject (from the path, or from the request a request-id
 * route names), every request (the list), or nothing the ledger knows (an unknown
 * request id).
 */
export type Target =
  | { readonly kind: "subject"; readonly subject: string }
  | { readonly kind: "all" }
  | { readonly kind: "unknown" };

/**
 * The handler's access rule, with secure defaults:
 *
 * 1. A data subject (a principal with `subject`) may take the self-service actions
 *    (`access`, `extract`, `erasure.request`, `erasure.status`, `erasure.certificate`) about exactly
 *    that subject, and nothing else. `authorize` is not asked and cannot widen this.
 * 2. Anyone else is staff, and every staff call is refused unless `authorize` returns
 *    `true` for it; with no `authorize`, no staff call is allowed. `authorize` receives
 *    the subject for request-id routes too (the subject of the request), and `undefined`
 *    for the list or an unknown request id.
 */
export async function isAllowed(
  principal: Principal,
  action: DsrAction,
  target: Target,
  authorize: Authorize | undefined,
): Promise<boolean> {
  const subject = target.kind === "subject" ? target.subject : undefined;
  if (principal.subject !== undefined)
    return SELF_SERVICE.has(action) && subject !== undefined && subject === principal.subject;
  if (authorize === undefined) return false;
  return (await authorize(principal, action, subject)) === true;
}

/** The actor recorded for a principal's calls. */
export function actorOf(principal: Principal): { id: string; role?: string } {
  return principal.role === undefined
    ? { id: principal.actorId }
    : { id: principal.actorId, role: principal.role };
}

const DENIED_ACTION = {
  access: "read",
  extract: "read",
  "erasure.request": "create",
  "erasure.status": "read",
  "erasure.certificate": "read",
  "erasure.list": "read",
  "erasure.execute": "delete",
  "request.receive": "create",
  "request.list": "read",
  "request.status": "read",
  "request.verify-identity": "update",
  "request.extend": "update",
  "request.refuse": "update",
  "request.complete": "update",
  "request.recipients": "read",
} as const;

/**
 * PCI DSS 10.2.1: a refused attempt is an event too. The target subject is named only when
 * the ledger already knows it: an id typed into the path is the caller's text, and a
 * denial must not write it into the log (it could be a name or a phone number).
 */
export async function recordDenial(
  ledger: Ledger,
  principal: Principal,
  action: DsrAction,
  target: Target,
): Promise<void> {
  const known =
    target.kind === "subject" &&
    (await ledger.store.subjectHeads([target.subject])).has(target.subject);
  const id = known ? target.subject : target.kind === "all" ? "all" : "unknown";
  await ledger.append({
    type: "data.accessed",
    actor: actorOf(principal),
    ...(known ? { subjects: [id] } : {}),
    payload: {
      resource: { type: "data-subject-request", id },
      fields: [],
      purpose:
        action === "access" || action === "extract"
          ? "subject-access"
          : action.startsWith("request.")
            ? "data-subject-request"
            : "erasure",
      outcome: "denied",
      reason: "not-authorised",
      action: DENIED_ACTION[action],
    },
  });
}
