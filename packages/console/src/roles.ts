/**
 * Who may do what in the console. The roles are the host's (its authentication returns
 * them); the console only maps each of its actions to the roles that may take it. An
 * action missing from the table is refused for everyone: a new route starts closed.
 */

/** The roles a host can give a console user. */
export type ConsoleRole = "dpo" | "auditor" | "support";

export const CONSOLE_ROLES: readonly ConsoleRole[] = ["dpo", "auditor", "support"];

/** Every action the console's API answers, one per route. */
export type ConsoleAction =
  | "status.read"
  | "subject.search"
  | "subject.view"
  | "subject.view-activity"
  | "subject.view-personal"
  | "queue.read"
  | "erasure.execute"
  | "erasure.refuse"
  | "hold.place"
  | "hold.release"
  | "alerts.read"
  | "export.bundle"
  | "export.checkpoint"
  | "export.records"
  | "verify.full"
  | "request.verify-identity"
  | "request.extend"
  | "request.refuse"
  | "request.complete"
  | "request.answer"
  | "request.notify"
  | "request.recipients"
  | "alert.acknowledge"
  | "alert.resolve"
  | "incidents.read"
  | "incident.act"
  | "incident.report";

/**
 * The role rules (docs/console.md, Roles):
 * - support searches and views the non-sensitive parts of a subject (timeline of event
 *   types, consent, erasure state) and the request queue; nothing that changes state,
 *   no access report, no personal values, no exports;
 * - auditor reads everything but personal values, and takes evidence exports;
 * - dpo does everything, including reading personal values and working the queue.
 *
 * Requests of every right: support may record that a requester's identity was verified
 * (front-line staff check the ID; the event names them, and only a DPO decides, answers or
 * closes a request); the auditor sees who received a subject's data (Art. 19 recipients)
 * but changes nothing. Alerts and incidents: the auditor reads them and downloads the
 * reports; only the DPO acknowledges or resolves an alert (an auditor must not write to
 * the evidence they audit) and records an incident's steps. Support sees neither.
 */
const RULES: Readonly<Record<ConsoleAction, readonly ConsoleRole[]>> = {
  "status.read": ["dpo", "auditor", "support"],
  "subject.search": ["dpo", "auditor", "support"],
  "subject.view": ["dpo", "auditor", "support"],
  "subject.view-activity": ["dpo", "auditor"],
  "subject.view-personal": ["dpo"],
  "queue.read": ["dpo", "auditor", "support"],
  "erasure.execute": ["dpo"],
  "erasure.refuse": ["dpo"],
  "hold.place": ["dpo"],
  "hold.release": ["dpo"],
  "alerts.read": ["dpo", "auditor"],
  "export.bundle": ["dpo", "auditor"],
  "export.checkpoint": ["dpo", "auditor"],
  "export.records": ["dpo", "auditor"],
  "verify.full": ["dpo", "auditor"],
  "request.verify-identity": ["dpo", "support"],
  "request.extend": ["dpo"],
  "request.refuse": ["dpo"],
  "request.complete": ["dpo"],
  "request.answer": ["dpo"],
  "request.notify": ["dpo"],
  "request.recipients": ["dpo", "auditor"],
  "alert.acknowledge": ["dpo"],
  "alert.resolve": ["dpo"],
  "incidents.read": ["dpo", "auditor"],
  "incident.act": ["dpo"],
  "incident.report": ["dpo", "auditor"],
};

/** True when one of `roles` may take `action`; unknown roles grant nothing. */
export function mayDo(roles: readonly string[], action: ConsoleAction): boolean {
  const allowed = RULES[action] as readonly string[] | undefined;
  return allowed !== undefined && roles.some((r) => allowed.includes(r));
}

/** The actions `roles` may take, for the page to show only what the user can do. */
export function allowedActions(roles: readonly string[]): ConsoleAction[] {
  return (Object.keys(RULES) as ConsoleAction[]).filter((a) => mayDo(roles, a));
}
