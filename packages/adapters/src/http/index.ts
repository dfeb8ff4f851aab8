/**
 * @daicho/adapters/http — a framework-neutral handler (web `Request` → `Response`) for
 * data-subject access and erasure requests, with host-supplied authentication.
 *
 * @module @daicho/adapters/http
 */
export type { Authorize, Principal } from "./authorization";
export {
  DEFAULT_CHANNELS,
  type DsrHandler,
  type DsrHandlerOptions,
  dsrHandler,
} from "./handler";
export { type DsrAction, SELF_SERVICE } from "./routes";
