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
  | "verify.full";

/**
 * The role rules (docs/console.md, Roles):
 * - support searches and views the non-sensitive parts of a subject (timeline of event
 *   types, consent, erasure state) and the request queue; nothing that changes state,
 *   no access report, no personal values, no exports;
 * - auditor reads everything but personal values, and takes evidence exports;
 * - dpo does everything, including reading personal values and working the queue.
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
