/**
 * @daicho/console — a compliance console a CRM mounts: `consoleHandler(options)` is a
 * web-standard `Request → Response` function serving the page and its JSON API, using the
 * host's authentication and roles (DPO, auditor, support). See docs/console.md.
 *
 * @module @daicho/console
 */
export { type ConsoleHandler, consoleHandler } from "./handler";
export {
  type ConsoleActor,
  type ConsoleLedger,
  type ConsoleOptions,
  type ConsoleUser,
  DEFAULT_PURPOSES,
} from "./options";
export type { QueueActionSpec, QueueItem, QueueSource } from "./queue-source";
export { CONSOLE_ROLES, type ConsoleAction, type ConsoleRole, mayDo } from "./roles";
export type { AlertRow, WatchReport } from "./watch";
